//! Packages, the OS, layers and the inventory that gathers them.

use crate::{Ecosystem, OsFamily, Purl};
use serde::{Deserialize, Serialize};

/// The layer of an image that added (or last changed) a package or file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LayerRef {
    /// Position of the layer in the image, 0 = base.
    pub index: usize,
    /// Digest of the uncompressed layer tar (`sha256:...`), the layer's identity.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub diff_id: String,
    /// Digest of the layer blob as stored (compressed), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
    /// The history `created_by` of the step that made the layer, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
}

/// How a package relates to the project that declares it (where the lockfile says).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Relationship {
    /// The root project itself (e.g. a Go binary's main module).
    Root,
    /// A workspace member.
    Workspace,
    /// A direct dependency.
    Direct,
    /// A transitive dependency.
    Indirect,
}

/// One installed or locked package.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Package {
    /// Ecosystem (selects version order and advisory namespace).
    pub ecosystem: Option<Ecosystem>,
    /// Name as the package manager spells it (binary package name for OS packages).
    pub name: String,
    /// Full version string as the ecosystem writes it. dpkg: `[epoch:]upstream[-revision]`; apk: `1.2.3-r4`;
    /// rpm: `[epoch:]version-release`; languages: the declared version.
    pub version: String,
    /// rpm only: epoch (also folded into `version` when non-zero).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub epoch: Option<u32>,
    /// rpm only: the `version` tag without epoch and release.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rpm_version: Option<String>,
    /// rpm only: the `release` tag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release: Option<String>,
    /// Source package name (dpkg `Source:`, apk origin `o:`, rpm SOURCERPM name). Same as `name` when the DB
    /// says nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_name: Option<String>,
    /// Source package version (dpkg `Source: name (version)`, rpm SOURCERPM version-release).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_version: Option<String>,
    /// Architecture (`amd64`, `x86_64`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arch: Option<String>,
    /// Licences as declared.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub licenses: Vec<String>,
    /// Maintainer (dpkg) or packager.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maintainer: Option<String>,
    /// Vendor (rpm).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor: Option<String>,
    /// rpm modularity label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modularity_label: Option<String>,
    /// Path of the file the package was read from, relative to the image root without a leading `/`
    /// (`var/lib/dpkg/status`, `app/package-lock.json`, `usr/bin/esbuild`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub file_path: String,
    /// Layer that introduced the package (images only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer: Option<LayerRef>,
    /// Relationship to the declaring project, where known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relationship: Option<Relationship>,
    /// A development-only dependency.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub dev: bool,
    /// CPE 2.3 names of the package (formatted strings, `cpe:2.3:a:nginx:nginx:1.22.1:*:*:*:*:*:*:*`), for
    /// software matched by CPE (binaries found outside package managers: [`Ecosystem::Binary`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cpes: Vec<String>,
    /// The package's purl, filled by the inventory once the OS is known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purl: Option<Purl>,
    /// Files the package manager says this package owns (OS packages; used to avoid reporting them again as
    /// language packages). Not serialised in reports.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub installed_files: Vec<String>,
    /// The name of the analyzer that found the package (`node/package-lock`), set by the analysis pipeline for
    /// every package an analyzer outputs; `None` for packages from elsewhere (an SBOM). It decides the package's
    /// result type and grouping in a report (`trawl_analyzers::result_type`).
    ///
    /// Never serialised: neither in reports nor in the layer cache, whose results are stored per analyzer, so the
    /// pipeline sets it again from that on a cache hit.
    #[serde(skip)]
    pub analyzer: Option<&'static str>,
    /// Go binaries only: the functions of this module linked into the binary (from its pclntab), for the
    /// matcher's symbol reachability. Stored in the layer cache, never written in reports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub go_symbols: Option<GoSymbols>,
}

/// The Go functions of one module (or of `stdlib`) found in a binary's symbol table (pclntab), as
/// `pkgpath.Func` and `pkgpath.Type.Method` (pointer receivers and type arguments dropped: `(*T[...]).M` ->
/// `T.M`), which is how go-vulndb names vulnerable symbols.
///
/// Held as one sorted, newline-separated string (a big binary has ~50,000 functions: one allocation instead of
/// one per name), searched by bisection.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GoSymbols {
    /// `GOOS` of the build (from its build settings), when recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub goos: Option<String>,
    /// `GOARCH` of the build, when recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub goarch: Option<String>,
    /// The names, sorted, one per line; `None` when the binary has no readable symbol table (then nothing can
    /// be said about which functions it contains).
    #[serde(default, deserialize_with = "sorted_names")]
    names: Option<String>,
}

fn sorted_names<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let names: Option<String> = Option::deserialize(d)?;
    Ok(names.map(|n| {
        let mut v: Vec<&str> = n.split('\n').filter(|l| !l.is_empty()).collect();
        if v.is_sorted() {
            n
        } else {
            v.sort_unstable();
            v.dedup();
            v.join("\n")
        }
    }))
}

impl GoSymbols {
    /// Symbols of a binary whose symbol table could not be read.
    pub fn unavailable(goos: Option<String>, goarch: Option<String>) -> Self {
        GoSymbols {
            goos,
            goarch,
            names: None,
        }
    }

    /// Symbols from names (any order, duplicates allowed; names containing a line break are dropped).
    pub fn from_names<'a>(
        goos: Option<String>,
        goarch: Option<String>,
        names: impl IntoIterator<Item = &'a str>,
    ) -> Self {
        let mut v: Vec<&str> = names
            .into_iter()
            .filter(|n| !n.is_empty() && !n.contains('\n'))
            .collect();
        v.sort_unstable();
        v.dedup();
        GoSymbols {
            goos,
            goarch,
            names: Some(v.join("\n")),
        }
    }

    /// Whether the binary's symbol table was read.
    pub fn available(&self) -> bool {
        self.names.is_some()
    }

    /// The names (none when unavailable).
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.names
            .as_deref()
            .into_iter()
            .flat_map(|n| n.split('\n'))
            .filter(|l| !l.is_empty())
    }

    /// Whether `name` (`net/http.Client.Do`) is one of the symbols.
    pub fn contains(&self, name: &str) -> bool {
        let Some(all) = self.names.as_deref() else {
            return false;
        };
        // Bisection over byte offsets: each probe is widened to the line around it.
        let (mut lo, mut hi) = (0usize, all.len());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let start = all[..mid].rfind('\n').map_or(0, |i| i + 1);
            let end = all[mid..].find('\n').map_or(all.len(), |i| mid + i);
            match all[start..end].cmp(name) {
                std::cmp::Ordering::Equal => return true,
                std::cmp::Ordering::Less => lo = end + 1,
                std::cmp::Ordering::Greater => hi = start,
            }
        }
        false
    }

    /// Whether any symbol belongs to the package `path` (`net/http` has `net/http.Get`, not `net/http/httptest.X`).
    pub fn has_package(&self, path: &str) -> bool {
        let Some(all) = self.names.as_deref() else {
            return false;
        };
        let prefix = format!("{path}.");
        // the first line >= prefix, by the same bisection
        let (mut lo, mut hi) = (0usize, all.len());
        let mut first: Option<&str> = None;
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let start = all[..mid].rfind('\n').map_or(0, |i| i + 1);
            let end = all[mid..].find('\n').map_or(all.len(), |i| mid + i);
            let line = &all[start..end];
            if line >= prefix.as_str() {
                first = Some(line);
                hi = start;
            } else {
                lo = end + 1;
            }
        }
        first.is_some_and(|l| l.starts_with(&prefix))
    }
}

impl Package {
    /// Source package name, falling back to the binary name.
    pub fn source_or_name(&self) -> &str {
        self.source_name.as_deref().unwrap_or(&self.name)
    }

    /// Source package version, falling back to the binary version.
    pub fn source_version_or_version(&self) -> &str {
        self.source_version.as_deref().unwrap_or(&self.version)
    }

    /// A stable identifier `name@version` (Trivy's `PkgID`).
    pub fn id(&self) -> String {
        format!("{}@{}", self.name, self.version)
    }

    /// Builds the purl for this package, given the OS it was found on (for OS packages).
    pub fn build_purl(&self, os: Option<&OsInfo>) -> Option<Purl> {
        let eco = self.ecosystem?;
        let mut p = Purl::new(eco.purl_type(), &self.name, &self.version);
        match eco {
            Ecosystem::Deb | Ecosystem::Apk | Ecosystem::Rpm => {
                if let Some(os) = os {
                    p.namespace = Some(os.family.as_str().to_owned());
                    if let Some(arch) = &self.arch {
                        p.qualifiers.push(("arch".into(), arch.clone()));
                    }
                    if let Some(epoch) = self.epoch.filter(|e| *e > 0) {
                        p.qualifiers.push(("epoch".into(), epoch.to_string()));
                        if let (Some(v), Some(r)) = (&self.rpm_version, &self.release) {
                            p.version = format!("{v}-{r}");
                        }
                    } else if eco == Ecosystem::Deb
                        && let Some((epoch, rest)) = self.version.split_once(':')
                        && epoch.bytes().all(|b| b.is_ascii_digit())
                        && let Ok(n) = epoch.parse::<u32>()
                    {
                        // As for rpm (and as Trivy and Syft write deb purls): the epoch is a qualifier.
                        p.version = rest.to_owned();
                        if n > 0 {
                            p.qualifiers.push(("epoch".into(), n.to_string()));
                        }
                    }
                    p.qualifiers.push(("distro".into(), os.purl_distro()));
                    if let Some(src) = &self.source_name
                        && src != &self.name
                        && eco != Ecosystem::Rpm
                    {
                        let upstream = match &self.source_version {
                            Some(v) if v != &self.version => format!("{src}@{v}"),
                            _ => src.clone(),
                        };
                        p.qualifiers.push(("upstream".into(), upstream));
                    }
                } else if let Some(arch) = &self.arch {
                    p.qualifiers.push(("arch".into(), arch.clone()));
                }
            }
            Ecosystem::Maven => {
                if let Some((g, a)) = self.name.split_once(':') {
                    p.namespace = Some(g.to_owned());
                    p.name = a.to_owned();
                }
            }
            Ecosystem::Npm | Ecosystem::Go | Ecosystem::Packagist | Ecosystem::SwiftUrl => {
                if let Some((ns, n)) = self.name.rsplit_once('/') {
                    p.namespace = Some(ns.to_owned());
                    p.name = n.to_owned();
                }
                // Go versions are kept without their `v` (as OSV compares them); the purl has it, as the module
                // system, Trivy and Syft write it (`pkg:golang/golang.org/x/net@v0.10.0`).
                if eco == Ecosystem::Go && p.version.starts_with(|c: char| c.is_ascii_digit()) {
                    p.version = format!("v{}", p.version);
                }
            }
            Ecosystem::PyPI => p.name = Ecosystem::PyPI.normalize_name(&self.name),
            _ => {}
        }
        p.qualifiers.sort();
        Some(p)
    }
}

/// The detected operating system of an image or root filesystem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OsInfo {
    /// Family.
    pub family: OsFamily,
    /// Release as the distro numbers it (`12`, `3.11.6`, `22.04`, `2023`, `15.5`). Alpine keeps the full
    /// `VERSION_ID`; [`OsInfo::advisory_namespace`] cuts it to `major.minor`.
    pub name: String,
    /// Code name, when the distro has one (`bookworm`, `jammy`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub codename: Option<String>,
    /// The os-release `PRETTY_NAME`, when present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pretty_name: Option<String>,
    /// End of support life, ISO date, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eosl: Option<String>,
    /// True when the OS is past its end of life (given the date of the scan).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub eol: bool,
}

impl OsInfo {
    /// The major.minor (or major) release used to select vendor advisories.
    pub fn release_key(&self) -> String {
        match self.family {
            OsFamily::Alpine => {
                let mut it = self.name.split('.');
                match (it.next(), it.next()) {
                    (Some(a), Some(b)) => format!("{a}.{b}"),
                    _ => self.name.clone(),
                }
            }
            OsFamily::Debian
            | OsFamily::Redhat
            | OsFamily::Centos
            | OsFamily::Rocky
            | OsFamily::Alma
            | OsFamily::Oracle => self.name.split('.').next().unwrap_or(&self.name).to_owned(),
            // Amazon Linux 1 numbers its releases by date (2018.03); its advisories are filed under `1`.
            OsFamily::Amazon if self.name.starts_with("201") => "1".to_owned(),
            _ => self.name.clone(),
        }
    }

    /// The advisory namespace, in OSV ecosystem spelling: `Debian:12`, `Alpine:v3.11`, `Ubuntu:22.04`,
    /// `Red Hat:9`, `Rocky Linux:9`, `AlmaLinux:9`, `Amazon Linux:2023`, `Wolfi`, `Chainguard`,
    /// `SUSE:15.5`/`openSUSE:15.5`, `Mariner:2.0`, `Photon OS:5.0`, `Oracle Linux:9`, `Fedora:39`.
    pub fn advisory_namespace(&self) -> String {
        let r = self.release_key();
        match self.family {
            OsFamily::Alpine => format!("Alpine:v{r}"),
            OsFamily::Debian => format!("Debian:{r}"),
            OsFamily::Ubuntu => format!("Ubuntu:{r}"),
            OsFamily::Redhat => format!("Red Hat:{r}"),
            OsFamily::Centos => format!("CentOS:{r}"),
            OsFamily::Rocky => format!("Rocky Linux:{r}"),
            OsFamily::Alma => format!("AlmaLinux:{r}"),
            OsFamily::Fedora => format!("Fedora:{r}"),
            OsFamily::Amazon => format!("Amazon Linux:{r}"),
            OsFamily::Oracle => format!("Oracle Linux:{r}"),
            OsFamily::Azurelinux => format!("Azure Linux:{r}"),
            OsFamily::Sles => format!("SUSE:{r}"),
            OsFamily::Opensuse => format!("openSUSE:{r}"),
            OsFamily::Wolfi => "Wolfi".to_owned(),
            OsFamily::Chainguard => "Chainguard".to_owned(),
            OsFamily::Photon => format!("Photon OS:{r}"),
            OsFamily::Unknown => format!("unknown:{r}"),
        }
    }

    /// The purl `distro` qualifier (`debian-12`, `alpine-3.11.6`).
    pub fn purl_distro(&self) -> String {
        format!("{}-{}", self.family.as_str(), self.name)
    }
}

/// A problem that did not stop the scan (one broken file, one unreadable layer).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Warning {
    /// What went wrong, naming the file, layer or URL.
    pub message: String,
    /// The file concerned, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The layer concerned (diff ID), when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer: Option<String>,
}

impl Warning {
    /// A warning about a file in a layer.
    pub fn new(message: impl Into<String>) -> Self {
        Warning {
            message: message.into(),
            path: None,
            layer: None,
        }
    }
}

/// What is installed: the OS and every package found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inventory {
    /// The detected OS, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub os: Option<OsInfo>,
    /// Every package, OS and language.
    pub packages: Vec<Package>,
    /// Problems that did not stop the scan.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<Warning>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_symbols_lookup_and_cache_round_trip() {
        let names = [
            "net/http.Get",
            "net/http/httptest.NewServer",
            "archive/zip.NewReader",
            "net/http.Client.Do",
            "net/http.Get",
            "a.B",
            "zz.Last",
        ];
        let s = GoSymbols::from_names(Some("linux".into()), None, names);
        for n in names {
            assert!(s.contains(n), "{n}");
        }
        for n in [
            "net/http",
            "net/http.Client",
            "archive/zip.OpenReader",
            "",
            "a",
            "zz.Las",
            "zzz",
        ] {
            assert!(!s.contains(n), "{n}");
        }
        assert!(s.has_package("net/http"));
        assert!(s.has_package("net/http/httptest"));
        assert!(s.has_package("a"));
        assert!(!s.has_package("net"));
        assert!(!s.has_package("archive/tar"));
        assert_eq!(s.iter().count(), 6);
        let json = serde_json::to_string(&s).expect("serialises");
        assert_eq!(serde_json::from_str::<GoSymbols>(&json).expect("reads"), s);
        // an unsorted list (a hand-edited cache entry) is sorted on reading
        let back: GoSymbols = serde_json::from_str(r#"{"names":"b.X\na.Y\nb.X"}"#).expect("reads");
        assert!(back.contains("a.Y") && back.contains("b.X"));
        let none = GoSymbols::unavailable(None, None);
        assert!(!none.available() && !none.contains("a.B") && !none.has_package("a"));
        let json = serde_json::to_string(&none).expect("serialises");
        assert_eq!(
            serde_json::from_str::<GoSymbols>(&json).expect("reads"),
            none
        );
        assert!(GoSymbols::from_names(None, None, []).available());
    }

    fn os(family: OsFamily, name: &str) -> OsInfo {
        OsInfo {
            family,
            name: name.into(),
            codename: None,
            pretty_name: None,
            eosl: None,
            eol: false,
        }
    }

    #[test]
    fn advisory_namespaces() {
        assert_eq!(
            os(OsFamily::Alpine, "3.10.4").advisory_namespace(),
            "Alpine:v3.10"
        );
        assert_eq!(os(OsFamily::Debian, "12").advisory_namespace(), "Debian:12");
        assert_eq!(
            os(OsFamily::Amazon, "2018.03").advisory_namespace(),
            "Amazon Linux:1"
        );
        assert_eq!(
            os(OsFamily::Amazon, "2023").advisory_namespace(),
            "Amazon Linux:2023"
        );
        assert_eq!(
            os(OsFamily::Redhat, "9.3").advisory_namespace(),
            "Red Hat:9"
        );
    }

    #[test]
    fn purls_as_trivy_and_syft_write_them() {
        let deb = Package {
            ecosystem: Some(Ecosystem::Deb),
            name: "zlib1g".into(),
            version: "1:1.2.13.dfsg-1".into(),
            arch: Some("amd64".into()),
            ..Package::default()
        };
        let p = deb
            .build_purl(Some(&os(OsFamily::Debian, "12")))
            .expect("purl");
        assert_eq!(
            p.to_string(),
            "pkg:deb/debian/zlib1g@1.2.13.dfsg-1?arch=amd64&distro=debian-12&epoch=1"
        );
        let go = Package {
            ecosystem: Some(Ecosystem::Go),
            name: "golang.org/x/net".into(),
            version: "0.10.0".into(),
            ..Package::default()
        };
        assert_eq!(
            go.build_purl(None).expect("purl").to_string(),
            "pkg:golang/golang.org/x/net@v0.10.0"
        );
        let devel = Package {
            version: "(devel)".into(),
            ..go
        };
        assert!(
            !devel
                .build_purl(None)
                .expect("purl")
                .to_string()
                .contains("@v(")
        );
    }
}
