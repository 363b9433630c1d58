//! OS detection against the real release files in ../shared/data/pkgdb (Trivy's os analyzer fixtures, Syft's
//! Debian image, every Alpine minirootfs), plus small samples written here from the distros' published file
//! contents for the distros without a fixture (each marked "sample").

use trawl_pkgdb::osrelease::{
    parse_alpine_release, parse_debian_version, parse_lsb_release, parse_os_release,
    parse_product_release, parse_redhat_release,
};
use trawl_types::{OsFamily, OsInfo};

fn fam(os: &Option<OsInfo>) -> Option<(OsFamily, &str)> {
    os.as_ref().map(|o| (o.family, o.name.as_str()))
}

#[test]
fn trivy_os_release_fixtures() {
    let data = trawl_test::require_shared_data!();
    let dir = data.join("pkgdb/trivy/pkg/fanal/analyzer/os/release/testdata");
    let cases: &[(&str, Option<(OsFamily, &str)>)] = &[
        ("alpine", Some((OsFamily::Alpine, "3.15.4"))),
        ("alma", Some((OsFamily::Alma, "9.4"))),
        ("rocky", Some((OsFamily::Rocky, "9.3"))),
        ("rhel", Some((OsFamily::Redhat, "9.4"))),
        ("centos", Some((OsFamily::Centos, "7"))),
        ("centos-stream", Some((OsFamily::Centos, "8"))),
        ("fedora", Some((OsFamily::Fedora, "42"))),
        ("oracle", Some((OsFamily::Oracle, "8.10"))),
        ("mariner-1.0", Some((OsFamily::Azurelinux, "1.0"))),
        ("mariner-2.0", Some((OsFamily::Azurelinux, "2.0"))),
        ("azurelinux-3.0", Some((OsFamily::Azurelinux, "3.0"))),
        ("photon", Some((OsFamily::Photon, "4.0"))),
        ("sles", Some((OsFamily::Sles, "15.3"))),
        ("slemicro", Some((OsFamily::Sles, "5.3"))),
        ("slemicro-rancher", Some((OsFamily::Sles, "5.4"))),
        ("slemicro6.0", Some((OsFamily::Sles, "6.0"))),
        ("opensuseleap-15.2.1", Some((OsFamily::Opensuse, "15.2.1"))),
        ("opensuseleap-42.3", Some((OsFamily::Opensuse, "42.3"))),
        ("opensusetumbleweed", Some((OsFamily::Opensuse, "20220412"))),
        // IDs without advisories here, or incomplete files: nothing detected.
        ("unknown", None),
        ("coreos", None),
        ("echo", None),
        ("minimos", None),
        ("activestate", None),
        ("bottlerocket", None),
        ("no-id", None),
        ("no-version", None),
    ];
    for (file, want) in cases {
        let got =
            parse_os_release(&std::fs::read(dir.join(file)).expect("fixture")).expect("parses");
        assert_eq!(fam(&got), *want, "{file}");
    }
    let alma = parse_os_release(&std::fs::read(dir.join("alma")).expect("fixture"))
        .expect("ok")
        .expect("alma");
    assert_eq!(
        alma.eosl.as_deref(),
        Some("2032-06-01"),
        "SUPPORT_END wins over the table"
    );
    assert_eq!(
        alma.pretty_name.as_deref(),
        Some("AlmaLinux 9.4 (Seafoam Ocelot)")
    );
    let fedora = parse_os_release(&std::fs::read(dir.join("fedora")).expect("fixture"))
        .expect("ok")
        .expect("f");
    assert_eq!(
        fedora.codename, None,
        "VERSION_CODENAME=\"\" is no codename"
    );
}

#[test]
fn trivy_distro_file_fixtures() {
    let data = trawl_test::require_shared_data!();
    let os = data.join("pkgdb/trivy/pkg/fanal/analyzer/os");
    let read = |p: &str| std::fs::read(os.join(p)).expect("fixture");
    let rh: &[(&str, Option<(OsFamily, &str)>)] = &[
        (
            "redhatbase/testdata/centos/centos-release",
            Some((OsFamily::Centos, "7.6.1810")),
        ),
        (
            "redhatbase/testdata/alma/almalinux-release",
            Some((OsFamily::Alma, "8.4")),
        ),
        (
            "redhatbase/testdata/rocky/rocky-release",
            Some((OsFamily::Rocky, "8.4")),
        ),
        (
            "redhatbase/testdata/fedora_29/fedora-release",
            Some((OsFamily::Fedora, "29")),
        ),
        (
            "redhatbase/testdata/oracle_7/oracle-release",
            Some((OsFamily::Oracle, "7.6")),
        ),
        (
            "redhatbase/testdata/redhat_6/redhat-release",
            Some((OsFamily::Redhat, "6.2")),
        ),
        ("redhatbase/testdata/not_redhatbase/empty", None),
    ];
    for (p, want) in rh {
        assert_eq!(fam(&parse_redhat_release(&read(p))), *want, "{p}");
    }
    let c =
        parse_redhat_release(&read("redhatbase/testdata/centos/centos-release")).expect("centos");
    assert_eq!(c.codename.as_deref(), Some("Core"));
    assert_eq!(c.eosl.as_deref(), Some("2024-06-30"));

    let d9 = parse_debian_version(&read("debian/testdata/debian_9/etc/debian_version"))
        .expect("debian 9");
    assert_eq!(
        (d9.family, d9.name.as_str(), d9.codename.as_deref()),
        (OsFamily::Debian, "9.8", Some("stretch"))
    );
    let sid =
        parse_debian_version(&read("debian/testdata/debian_sid/etc/debian_version")).expect("sid");
    assert_eq!(
        (sid.name.as_str(), sid.codename.as_deref()),
        ("buster/sid", Some("buster"))
    );
    assert_eq!(parse_debian_version(&read("debian/testdata/empty")), None);

    let u = parse_lsb_release(&read("ubuntu/testdata/lsb-release")).expect("ubuntu");
    assert_eq!(
        (u.family, u.name.as_str(), u.codename.as_deref()),
        (OsFamily::Ubuntu, "18.04", Some("bionic"))
    );
    assert_eq!(u.eosl.as_deref(), Some("2023-05-31"));
    assert_eq!(parse_lsb_release(&read("ubuntu/testdata/invalid")), None);

    let a = parse_alpine_release(
        &std::fs::read(data.join("pkgdb/trivy/pkg/fanal/analyzer/testdata/etc/alpine-release"))
            .expect("f"),
    );
    assert_eq!(fam(&a), Some((OsFamily::Alpine, "3.11.6")));
}

#[test]
fn alpine_minirootfs_release_files_agree() {
    let data = trawl_test::require_shared_data!();
    let root = data.join("pkgdb/alpine-minirootfs");
    let mut n = 0;
    for e in std::fs::read_dir(&root).expect("dir").flatten() {
        let dir = e.path();
        let label = e.file_name().to_string_lossy().into_owned();
        let from_os =
            parse_os_release(&std::fs::read(dir.join("etc/os-release")).expect("os-release"))
                .expect("parses")
                .unwrap_or_else(|| panic!("{label}: os-release detects nothing"));
        let from_file =
            parse_alpine_release(&std::fs::read(dir.join("etc/alpine-release")).expect("release"))
                .unwrap_or_else(|| panic!("{label}: alpine-release detects nothing"));
        assert_eq!(from_os.family, OsFamily::Alpine, "{label}");
        assert_eq!(from_os.name, from_file.name, "{label}");
        if !label.starts_with("edge") {
            assert_eq!(from_os.name, label, "{label}");
            assert!(
                from_os.eosl.is_some(),
                "{label}: Alpine {} has a known end of life",
                from_os.name
            );
        }
        n += 1;
    }
    assert!(n >= 16);
}

#[test]
fn syft_debian_os_release() {
    let data = trawl_test::require_shared_data!();
    let p = data.join("pkgdb/syft/syft/pkg/cataloger/debian/testdata/image-dpkg/etc/os-release");
    let os = parse_os_release(&std::fs::read(p).expect("fixture"))
        .expect("ok")
        .expect("debian");
    assert_eq!(
        (os.family, os.name.as_str(), os.codename.as_deref()),
        (OsFamily::Debian, "12", Some("bookworm"))
    );
    assert_eq!(os.eosl.as_deref(), Some("2028-06-30"));
}

/// Distros without a fixture in ../shared/data: samples written from each distro's published file contents.
#[test]
fn samples_without_fixture() {
    let os = |s: &str| parse_os_release(s.as_bytes()).expect("parses");
    // sample: Ubuntu 22.04 os-release.
    let u = os(
        "PRETTY_NAME=\"Ubuntu 22.04.4 LTS\"\nNAME=\"Ubuntu\"\nVERSION_ID=\"22.04\"\nVERSION=\"22.04.4 LTS (Jammy Jellyfish)\"\nVERSION_CODENAME=jammy\nID=ubuntu\nID_LIKE=debian\nUBUNTU_CODENAME=jammy\n",
    );
    assert_eq!(
        u.as_ref()
            .map(|o| (o.family, o.name.as_str(), o.codename.as_deref())),
        Some((OsFamily::Ubuntu, "22.04", Some("jammy")))
    );
    // sample: Debian testing has no VERSION_ID; debian_version decides.
    assert_eq!(
        os(
            "PRETTY_NAME=\"Debian GNU/Linux trixie/sid\"\nNAME=\"Debian GNU/Linux\"\nVERSION_CODENAME=trixie\nID=debian\n"
        ),
        None
    );
    // sample: Debian 8 has no VERSION_CODENAME: taken from VERSION.
    let d8 = os("PRETTY_NAME=\"Debian GNU/Linux 8 (jessie)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"8\"\nVERSION=\"8 (jessie)\"\nID=debian\n").expect("debian 8");
    assert_eq!(d8.codename.as_deref(), Some("jessie"));
    // sample: distroless (gcr.io/distroless/static-debian12).
    let dl = os(
        "PRETTY_NAME=\"Distroless\"\nNAME=\"Debian GNU/Linux\"\nID=\"debian\"\nVERSION_ID=\"12\"\nVERSION=\"Debian GNU/Linux 12 (bookworm)\"\nHOME_URL=\"https://github.com/GoogleContainerTools/distroless\"\n",
    );
    assert_eq!(fam(&dl), Some((OsFamily::Debian, "12")));
    // samples: Amazon Linux 2, 2023, 1.
    assert_eq!(
        fam(&os(
            "NAME=\"Amazon Linux\"\nVERSION=\"2\"\nID=\"amzn\"\nID_LIKE=\"centos rhel fedora\"\nVERSION_ID=\"2\"\nPRETTY_NAME=\"Amazon Linux 2\"\n"
        )),
        Some((OsFamily::Amazon, "2"))
    );
    let al2023 = os("NAME=\"Amazon Linux\"\nVERSION=\"2023\"\nID=\"amzn\"\nID_LIKE=\"fedora\"\nVERSION_ID=\"2023\"\nPLATFORM_ID=\"platform:al2023\"\nPRETTY_NAME=\"Amazon Linux 2023.3.20240108\"\nSUPPORT_END=\"2028-03-15\"\n").expect("al2023");
    assert_eq!(
        (al2023.family, al2023.name.as_str(), al2023.eosl.as_deref()),
        (OsFamily::Amazon, "2023", Some("2028-03-15"))
    );
    assert_eq!(
        fam(&os(
            "NAME=\"Amazon Linux AMI\"\nVERSION=\"2018.03\"\nID=\"amzn\"\nID_LIKE=\"rhel fedora\"\nVERSION_ID=\"2018.03\"\nPRETTY_NAME=\"Amazon Linux AMI 2018.03\"\n"
        )),
        Some((OsFamily::Amazon, "2018.03"))
    );
    assert_eq!(
        fam(&parse_redhat_release(b"Amazon Linux release 2 (Karoo)\n")),
        Some((OsFamily::Amazon, "2"))
    );
    assert_eq!(
        fam(&parse_redhat_release(b"Amazon Linux AMI release 2018.03\n")),
        Some((OsFamily::Amazon, "2018.03"))
    );
    assert_eq!(
        fam(&parse_redhat_release(
            b"Red Hat Enterprise Linux release 8.9 (Ootpa)\n"
        )),
        Some((OsFamily::Redhat, "8.9"))
    );
    // samples: Wolfi and Chainguard.
    assert_eq!(
        fam(&os(
            "ID=wolfi\nNAME=\"Wolfi\"\nPRETTY_NAME=\"Wolfi\"\nVERSION_ID=\"20230201\"\nHOME_URL=\"https://wolfi.dev\"\n"
        )),
        Some((OsFamily::Wolfi, "20230201"))
    );
    assert_eq!(
        fam(&os(
            "ID=chainguard\nNAME=\"Chainguard\"\nPRETTY_NAME=\"Chainguard\"\nVERSION_ID=\"20230214\"\nHOME_URL=\"https://chainguard.dev/\"\n"
        )),
        Some((OsFamily::Chainguard, "20230214"))
    );
    // samples: product release files of Mariner, Azure Linux and Photon.
    assert_eq!(
        fam(&parse_product_release(
            OsFamily::Azurelinux,
            b"CBL-Mariner 2.0.20240123\nMARINER_BUILD_NUMBER=rpm-release-2.0-stable\n"
        )),
        Some((OsFamily::Azurelinux, "2.0"))
    );
    assert_eq!(
        fam(&parse_product_release(
            OsFamily::Azurelinux,
            b"Microsoft Azure Linux 3.0.20240624\n"
        )),
        Some((OsFamily::Azurelinux, "3.0"))
    );
    assert_eq!(
        fam(&parse_product_release(
            OsFamily::Photon,
            b"VMware Photon OS 4.0\nPHOTON_BUILD_NUMBER=1526e30ba0\n"
        )),
        Some((OsFamily::Photon, "4.0"))
    );
    // sample: SLES 15 SP5 os-release.
    assert_eq!(
        fam(&os(
            "NAME=\"SLES\"\nVERSION=\"15-SP5\"\nVERSION_ID=\"15.5\"\nPRETTY_NAME=\"SUSE Linux Enterprise Server 15 SP5\"\nID=\"sles\"\nID_LIKE=\"suse\"\n"
        )),
        Some((OsFamily::Sles, "15.5"))
    );
}
