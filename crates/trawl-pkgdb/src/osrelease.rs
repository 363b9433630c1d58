//! OS detection: `os-release` and each distro's own release file, plus a small end-of-life table.
//!
//! Several files may name the OS in one image. [`Source::priority`] says which to believe: `os-release` first,
//! then the distro's own file (`alpine-release`, `lsb-release`, `*-release` of the Red Hat family, Mariner/Azure
//! Linux, Photon), and `debian_version` last (Ubuntu ships one too, saying `bookworm/sid`).
//!
//! `os-release` with an ID this crate does not know, or without `VERSION_ID`, detects nothing (another file may
//! still do).

use crate::{Error, Format, numbered_lines};
use trawl_types::{OsFamily, OsInfo};

/// Which kind of file detected the OS; orders detections.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Source {
    /// `etc/debian_version`: weakest (Ubuntu has one too).
    DebianVersion,
    /// A distro's own release file (`etc/alpine-release`, `etc/lsb-release`, `etc/redhat-release`...).
    DistroFile,
    /// `etc/os-release` or `usr/lib/os-release`: strongest.
    OsRelease,
}

impl Source {
    /// Higher wins: 30 os-release, 20 a distro's own file, 10 `debian_version`.
    pub fn priority(self) -> u8 {
        match self {
            Source::DebianVersion => 10,
            Source::DistroFile => 20,
            Source::OsRelease => 30,
        }
    }
}

/// Parses `KEY=value` lines (values optionally in single or double quotes, `\` escapes in double quotes,
/// `#` comments). Lines that are not `KEY=value` are skipped and returned as warnings with their line number.
pub fn parse_key_values(content: &[u8]) -> (Vec<(String, String)>, Vec<String>) {
    let mut out = Vec::new();
    let mut warnings = Vec::new();
    for (n, line) in numbered_lines(content) {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((k, v)) = line.split_once('=') else {
            warnings.push(format!(
                "line {n}: expected KEY=value, found `{}`",
                crate::dpkg::shorten(line)
            ));
            continue;
        };
        let k = k.trim();
        if k.is_empty() || !k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            warnings.push(format!("line {n}: bad key `{}`", crate::dpkg::shorten(k)));
            continue;
        }
        out.push((k.to_owned(), unquote(v.trim())));
    }
    (out, warnings)
}

fn unquote(v: &str) -> String {
    if let Some(inner) = v
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .filter(|_| v.len() >= 2)
    {
        let mut out = String::with_capacity(inner.len());
        let mut esc = false;
        for c in inner.chars() {
            if esc {
                out.push(c);
                esc = false;
            } else if c == '\\' {
                esc = true;
            } else {
                out.push(c);
            }
        }
        out
    } else if let Some(inner) = v
        .strip_prefix('\'')
        .and_then(|s| s.strip_suffix('\''))
        .filter(|_| v.len() >= 2)
    {
        inner.to_owned()
    } else {
        v.to_owned()
    }
}

/// Maps an os-release `ID` to a family (`None` for IDs we have no advisories for).
pub fn family_from_id(id: &str) -> Option<OsFamily> {
    Some(match id.to_ascii_lowercase().as_str() {
        "alpine" => OsFamily::Alpine,
        "debian" => OsFamily::Debian,
        "ubuntu" => OsFamily::Ubuntu,
        "rhel" => OsFamily::Redhat,
        "centos" => OsFamily::Centos,
        "rocky" => OsFamily::Rocky,
        "almalinux" => OsFamily::Alma,
        "fedora" => OsFamily::Fedora,
        "amzn" => OsFamily::Amazon,
        "ol" => OsFamily::Oracle,
        "mariner" | "azurelinux" => OsFamily::Azurelinux,
        "sles" | "sles_sap" | "sle-micro" | "sle-micro-rancher" | "sl-micro" | "sle_hpc"
        | "sled" => OsFamily::Sles,
        "opensuse" | "opensuse-leap" | "opensuse-tumbleweed" | "opensuse-microos" => {
            OsFamily::Opensuse
        }
        "wolfi" => OsFamily::Wolfi,
        "chainguard" => OsFamily::Chainguard,
        "photon" => OsFamily::Photon,
        _ => return None,
    })
}

fn get<'a>(kv: &'a [(String, String)], key: &str) -> Option<&'a str> {
    kv.iter()
        .rev()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.is_empty())
}

/// Detects the OS from an `os-release` file.
///
/// `Ok(None)` when the `ID` is unknown to us or `VERSION_ID` is missing (Debian testing/sid has none: its
/// `debian_version` says more).
///
/// # Errors
/// [`Error::Syntax`] when the file is not empty and no line is `KEY=value` (the first bad line is named).
pub fn parse_os_release(content: &[u8]) -> Result<Option<OsInfo>, Error> {
    let (kv, warnings) = parse_key_values(content);
    if kv.is_empty() {
        if let Some(w) = warnings.first() {
            let line = w
                .strip_prefix("line ")
                .and_then(|r| r.split(':').next())
                .and_then(|n| n.parse().ok())
                .unwrap_or(1);
            return Err(Error::Syntax {
                format: Format::OsRelease,
                line,
                message: w.split_once(": ").map_or(w.as_str(), |(_, m)| m).to_owned(),
            });
        }
        return Ok(None);
    }
    let Some(family) = get(&kv, "ID").and_then(family_from_id) else {
        return Ok(None);
    };
    let Some(version) = get(&kv, "VERSION_ID") else {
        return Ok(None);
    };
    let mut codename = get(&kv, "VERSION_CODENAME").map(str::to_owned);
    if codename.is_none() && family == OsFamily::Ubuntu {
        codename = get(&kv, "UBUNTU_CODENAME").map(str::to_owned);
    }
    if codename.is_none()
        && matches!(family, OsFamily::Debian | OsFamily::Ubuntu)
        && let Some(v) = get(&kv, "VERSION")
        && let Some((_, rest)) = v.split_once('(')
    {
        // Older releases: VERSION="8 (jessie)", VERSION="16.04.7 LTS (Xenial Xerus)".
        let word = rest
            .trim_end_matches(')')
            .split_whitespace()
            .next()
            .unwrap_or_default();
        if !word.is_empty() && family == OsFamily::Debian {
            codename = Some(word.to_ascii_lowercase());
        }
    }
    let name = version.to_owned();
    let eosl = get(&kv, "SUPPORT_END")
        .filter(|d| is_iso_date(d))
        .map(str::to_owned)
        .or_else(|| eosl(family, &name).map(str::to_owned));
    Ok(Some(OsInfo {
        family,
        name,
        codename,
        pretty_name: get(&kv, "PRETTY_NAME").map(str::to_owned),
        eosl,
        eol: false,
    }))
}

fn is_iso_date(d: &str) -> bool {
    let b = d.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

fn first_line(content: &[u8]) -> String {
    numbered_lines(content)
        .map(|(_, l)| l.trim().to_owned())
        .find(|l| !l.is_empty())
        .unwrap_or_default()
}

fn os(family: OsFamily, name: &str, codename: Option<String>, pretty: Option<String>) -> OsInfo {
    OsInfo {
        family,
        name: name.to_owned(),
        codename,
        pretty_name: pretty,
        eosl: eosl(family, name).map(str::to_owned),
        eol: false,
    }
}

/// `etc/alpine-release`: one line, the full release (`3.11.6`, `3.21.0_alpha20240923`).
pub fn parse_alpine_release(content: &[u8]) -> Option<OsInfo> {
    let v = first_line(content);
    v.starts_with(|c: char| c.is_ascii_digit())
        .then(|| os(OsFamily::Alpine, &v, None, None))
}

/// `etc/debian_version`: `12.5`, or `trixie/sid` on testing/unstable (kept as written, codename `trixie`).
pub fn parse_debian_version(content: &[u8]) -> Option<OsInfo> {
    let v = first_line(content);
    if v.is_empty() || v.contains(char::is_whitespace) {
        return None;
    }
    let codename = match v.split_once('/') {
        Some((c, _)) => Some(c.to_owned()),
        None => debian_codename(v.split('.').next().unwrap_or_default()).map(str::to_owned),
    };
    Some(os(OsFamily::Debian, &v, codename, None))
}

fn debian_codename(major: &str) -> Option<&'static str> {
    Some(match major {
        "7" => "wheezy",
        "8" => "jessie",
        "9" => "stretch",
        "10" => "buster",
        "11" => "bullseye",
        "12" => "bookworm",
        "13" => "trixie",
        _ => return None,
    })
}

/// `etc/lsb-release` of Ubuntu (`DISTRIB_ID=Ubuntu`, `DISTRIB_RELEASE`, `DISTRIB_CODENAME`). Other distros'
/// lsb-release files detect nothing.
pub fn parse_lsb_release(content: &[u8]) -> Option<OsInfo> {
    let (kv, _) = parse_key_values(content);
    if !get(&kv, "DISTRIB_ID")?.eq_ignore_ascii_case("ubuntu") {
        return None;
    }
    let release = get(&kv, "DISTRIB_RELEASE")?;
    Some(os(
        OsFamily::Ubuntu,
        release,
        get(&kv, "DISTRIB_CODENAME").map(str::to_owned),
        get(&kv, "DISTRIB_DESCRIPTION").map(str::to_owned),
    ))
}

/// A Red Hat-style release line, `NAME release VERSION (CODENAME)`: `etc/redhat-release`, `centos-release`,
/// `rocky-release`, `almalinux-release`, `fedora-release`, `oracle-release`, `system-release` (Amazon). The
/// family comes from the text, not the file name (`redhat-release` is CentOS's on CentOS).
pub fn parse_redhat_release(content: &[u8]) -> Option<OsInfo> {
    let line = first_line(content);
    let (head, tail) = line.split_once(" release ")?;
    let mut words = tail.split_whitespace();
    let version = words
        .next()
        .filter(|v| v.starts_with(|c: char| c.is_ascii_digit()))?;
    let codename = tail
        .split_once('(')
        .map(|(_, c)| c.trim_end().trim_end_matches(')').trim().to_owned())
        .filter(|c| !c.is_empty());
    let h = head.to_ascii_lowercase();
    let family = if h.starts_with("centos") {
        OsFamily::Centos
    } else if h.starts_with("red hat") {
        OsFamily::Redhat
    } else if h.starts_with("rocky") {
        OsFamily::Rocky
    } else if h.starts_with("almalinux") {
        OsFamily::Alma
    } else if h.starts_with("fedora") {
        OsFamily::Fedora
    } else if h.starts_with("oracle linux") {
        OsFamily::Oracle
    } else if h.starts_with("amazon linux") {
        OsFamily::Amazon
    } else {
        return None;
    };
    Some(os(family, version, codename, Some(line.clone())))
}

/// `etc/mariner-release` (`CBL-Mariner 2.0.20220226`), `etc/azurelinux-release` (`Microsoft Azure Linux
/// 3.0.20240624`) and `etc/photon-release` (`VMware Photon OS 4.0`): the release is cut to `major.minor`.
pub fn parse_product_release(family: OsFamily, content: &[u8]) -> Option<OsInfo> {
    let line = first_line(content);
    let v = line
        .split_whitespace()
        .find(|w| w.starts_with(|c: char| c.is_ascii_digit()))?;
    let mut parts = v.split('.');
    let major = parts.next()?;
    let name = match parts.next() {
        Some(minor) => format!("{major}.{minor}"),
        None => format!("{major}.0"),
    };
    Some(os(family, &name, None, Some(line.clone())))
}

/// Whether the OS is past its end of support life on `today` (an ISO date, `YYYY-MM-DD`). `false` when the
/// end of life is unknown. Sets nothing: the caller stores it in [`OsInfo::eol`].
pub fn past_end_of_life(os: &OsInfo, today: &str) -> bool {
    os.eosl
        .as_deref()
        .is_some_and(|d| is_iso_date(d) && is_iso_date(today) && d < today)
}

/// End of support life (ISO date) of a release, where we know it. Dates are the vendors' published ends of
/// (free/LTS) security support.
pub fn eosl(family: OsFamily, name: &str) -> Option<&'static str> {
    let mut it = name.split('.');
    let major = it.next().unwrap_or_default();
    let minor = it.next().unwrap_or_default();
    let mm = format!("{major}.{minor}");
    let table: &[(&str, &str)] = match family {
        OsFamily::Alpine => &[
            ("3.6", "2019-05-01"),
            ("3.7", "2019-11-01"),
            ("3.8", "2020-05-01"),
            ("3.9", "2020-11-01"),
            ("3.10", "2021-05-01"),
            ("3.11", "2021-11-01"),
            ("3.12", "2022-05-01"),
            ("3.13", "2022-11-01"),
            ("3.14", "2023-05-01"),
            ("3.15", "2023-11-01"),
            ("3.16", "2024-05-23"),
            ("3.17", "2024-11-22"),
            ("3.18", "2025-05-09"),
            ("3.19", "2025-11-01"),
            ("3.20", "2026-04-01"),
        ],
        OsFamily::Debian => &[
            ("7", "2018-05-31"),
            ("8", "2020-06-30"),
            ("9", "2022-06-30"),
            ("10", "2024-06-30"),
            ("11", "2026-08-31"),
            ("12", "2028-06-30"),
        ],
        OsFamily::Ubuntu => &[
            ("14.04", "2019-04-30"),
            ("16.04", "2021-04-30"),
            ("18.04", "2023-05-31"),
            ("20.04", "2025-05-31"),
        ],
        OsFamily::Centos => &[
            ("6", "2020-11-30"),
            ("7", "2024-06-30"),
            ("8", "2021-12-31"),
        ],
        OsFamily::Redhat => &[
            ("6", "2020-11-30"),
            ("7", "2024-06-30"),
            ("8", "2029-05-31"),
            ("9", "2032-05-31"),
        ],
        OsFamily::Rocky => &[("8", "2029-05-31"), ("9", "2032-05-31")],
        OsFamily::Alma => &[("8", "2029-03-01"), ("9", "2032-05-31")],
        OsFamily::Oracle => &[
            ("6", "2021-03-01"),
            ("7", "2024-12-31"),
            ("8", "2029-07-31"),
            ("9", "2032-06-30"),
        ],
        OsFamily::Amazon => &[
            ("2018", "2023-12-31"),
            ("2", "2026-06-30"),
            ("2023", "2029-06-30"),
        ],
        OsFamily::Azurelinux => &[("1.0", "2024-07-31"), ("2.0", "2025-07-31")],
        _ => &[],
    };
    let key_major_minor = matches!(
        family,
        OsFamily::Alpine | OsFamily::Ubuntu | OsFamily::Azurelinux
    );
    let key = if key_major_minor { mm.as_str() } else { major };
    table.iter().find(|(k, _)| *k == key).map(|(_, d)| *d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting() {
        let (kv, w) = parse_key_values(b"A=\"x \\\"y\\\"\"\nB='z'\n# c\nnonsense\nC=plain\n");
        assert_eq!(
            kv,
            vec![
                ("A".into(), "x \"y\"".into()),
                ("B".into(), "z".into()),
                ("C".into(), "plain".into())
            ]
        );
        assert_eq!(w.len(), 1);
        assert!(w[0].starts_with("line 4"));
    }

    #[test]
    fn garbage_os_release_names_line() {
        let e = parse_os_release(b"\nthis is not os-release\n").expect_err("garbage");
        assert!(e.to_string().contains("line 2"), "{e}");
        assert_eq!(parse_os_release(b"").expect("empty"), None);
    }

    #[test]
    fn past_eol() {
        let os = parse_alpine_release(b"3.11.6\n").expect("alpine");
        assert!(past_end_of_life(&os, "2026-11-29"));
        assert!(!past_end_of_life(&os, "2021-10-31"));
        assert!(!past_end_of_life(&os, "garbage"));
    }

    #[test]
    fn eosl_lookup() {
        assert_eq!(eosl(OsFamily::Alpine, "3.11.6"), Some("2021-11-01"));
        assert_eq!(eosl(OsFamily::Debian, "12.5"), Some("2028-06-30"));
        assert_eq!(eosl(OsFamily::Amazon, "2018.03"), Some("2023-12-31"));
        assert_eq!(eosl(OsFamily::Wolfi, "20230201"), None);
    }
}
