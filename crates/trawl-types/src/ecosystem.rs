//! Ecosystems (where a package comes from and which version order applies) and OS families.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A package ecosystem: selects the version order, the advisory namespace and the purl type.
///
/// OS package managers are ecosystems too (`Deb`, `Apk`, `Rpm`); their advisories are further keyed by the
/// distro release (see [`OsInfo::advisory_namespace`](crate::OsInfo::advisory_namespace)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Ecosystem {
    /// dpkg packages (Debian, Ubuntu, distroless).
    Deb,
    /// apk packages (Alpine, Wolfi, Chainguard).
    Apk,
    /// rpm packages (RHEL family, SUSE, Amazon, Mariner, Photon).
    Rpm,
    /// npm / yarn / pnpm / bun.
    Npm,
    /// Python packages (PyPI).
    #[serde(rename = "pypi")]
    PyPI,
    /// Go modules.
    Go,
    /// Rust crates (crates.io).
    Cargo,
    /// Maven artifacts (`group:artifact`).
    Maven,
    /// RubyGems.
    RubyGems,
    /// NuGet.
    NuGet,
    /// Composer / Packagist.
    Packagist,
    /// Dart / Flutter pub.
    Pub,
    /// Erlang / Elixir Hex.
    Hex,
    /// R packages from CRAN.
    Cran,
    /// Haskell packages from Hackage.
    Hackage,
    /// Swift Package Manager.
    SwiftUrl,
    /// CocoaPods.
    CocoaPods,
    /// C/C++ Conan.
    Conan,
    /// Software recognised from its executable or library (a runtime or server copied into an image outside any
    /// package manager: `python3.11`, `nginx`, `libssl.so.3`). Matched by CPE (`Package::cpes`), compared in
    /// the upstream version order.
    Binary,
}

impl Ecosystem {
    /// Every ecosystem, in a stable order.
    pub const ALL: &'static [Ecosystem] = &[
        Ecosystem::Deb,
        Ecosystem::Apk,
        Ecosystem::Rpm,
        Ecosystem::Npm,
        Ecosystem::PyPI,
        Ecosystem::Go,
        Ecosystem::Cargo,
        Ecosystem::Maven,
        Ecosystem::RubyGems,
        Ecosystem::NuGet,
        Ecosystem::Packagist,
        Ecosystem::Pub,
        Ecosystem::Hex,
        Ecosystem::Cran,
        Ecosystem::Hackage,
        Ecosystem::SwiftUrl,
        Ecosystem::CocoaPods,
        Ecosystem::Conan,
        Ecosystem::Binary,
    ];

    /// Our stable lowercase name (also the serde name).
    pub fn as_str(self) -> &'static str {
        match self {
            Ecosystem::Deb => "deb",
            Ecosystem::Apk => "apk",
            Ecosystem::Rpm => "rpm",
            Ecosystem::Npm => "npm",
            Ecosystem::PyPI => "pypi",
            Ecosystem::Go => "go",
            Ecosystem::Cargo => "cargo",
            Ecosystem::Maven => "maven",
            Ecosystem::RubyGems => "rubygems",
            Ecosystem::NuGet => "nuget",
            Ecosystem::Packagist => "packagist",
            Ecosystem::Pub => "pub",
            Ecosystem::Hex => "hex",
            Ecosystem::Cran => "cran",
            Ecosystem::Hackage => "hackage",
            Ecosystem::SwiftUrl => "swift-url",
            Ecosystem::CocoaPods => "cocoapods",
            Ecosystem::Conan => "conan",
            Ecosystem::Binary => "binary",
        }
    }

    /// The OSV `affected[].package.ecosystem` name of a language ecosystem (`None` for OS ecosystems, whose OSV
    /// name depends on the distro: see [`OsInfo::advisory_namespace`](crate::OsInfo::advisory_namespace)).
    pub fn osv_name(self) -> Option<&'static str> {
        Some(match self {
            // Binaries are matched by CPE, in no OSV ecosystem.
            Ecosystem::Deb | Ecosystem::Apk | Ecosystem::Rpm | Ecosystem::Binary => return None,
            Ecosystem::Npm => "npm",
            Ecosystem::PyPI => "PyPI",
            Ecosystem::Go => "Go",
            Ecosystem::Cargo => "crates.io",
            Ecosystem::Maven => "Maven",
            Ecosystem::RubyGems => "RubyGems",
            Ecosystem::NuGet => "NuGet",
            Ecosystem::Packagist => "Packagist",
            Ecosystem::Pub => "Pub",
            Ecosystem::Hex => "Hex",
            Ecosystem::Cran => "CRAN",
            Ecosystem::Hackage => "Hackage",
            Ecosystem::SwiftUrl => "SwiftURL",
            Ecosystem::CocoaPods => "CocoaPods",
            Ecosystem::Conan => "ConanCenter",
        })
    }

    /// Parses an OSV ecosystem name (without a `:release` suffix) of a language ecosystem.
    pub fn from_osv_name(name: &str) -> Option<Ecosystem> {
        Ecosystem::ALL
            .iter()
            .copied()
            .find(|e| e.osv_name().is_some_and(|n| n.eq_ignore_ascii_case(name)))
    }

    /// The purl type (`pkg:TYPE/...`).
    pub fn purl_type(self) -> &'static str {
        match self {
            Ecosystem::Deb => "deb",
            Ecosystem::Apk => "apk",
            Ecosystem::Rpm => "rpm",
            Ecosystem::Npm => "npm",
            Ecosystem::PyPI => "pypi",
            Ecosystem::Go => "golang",
            Ecosystem::Cargo => "cargo",
            Ecosystem::Maven => "maven",
            Ecosystem::RubyGems => "gem",
            Ecosystem::NuGet => "nuget",
            Ecosystem::Packagist => "composer",
            Ecosystem::Pub => "pub",
            Ecosystem::Hex => "hex",
            Ecosystem::Cran => "cran",
            Ecosystem::Hackage => "hackage",
            Ecosystem::SwiftUrl => "swift",
            Ecosystem::CocoaPods => "cocoapods",
            Ecosystem::Conan => "conan",
            Ecosystem::Binary => "generic",
        }
    }

    /// Whether this is an OS package manager (matched against vendor advisories by source package).
    pub fn is_os(self) -> bool {
        matches!(self, Ecosystem::Deb | Ecosystem::Apk | Ecosystem::Rpm)
    }

    /// Normalises a package name for matching: PEP 503 for PyPI, lowercase for case-insensitive registries.
    pub fn normalize_name(self, name: &str) -> String {
        match self {
            Ecosystem::PyPI => {
                let mut out = String::with_capacity(name.len());
                let mut last_sep = false;
                for c in name.trim().chars() {
                    if matches!(c, '-' | '_' | '.') {
                        if !last_sep {
                            out.push('-');
                        }
                        last_sep = true;
                    } else {
                        out.push(c.to_ascii_lowercase());
                        last_sep = false;
                    }
                }
                out
            }
            Ecosystem::NuGet | Ecosystem::Packagist | Ecosystem::Hackage | Ecosystem::Conan => {
                name.to_ascii_lowercase()
            }
            _ => name.to_owned(),
        }
    }
}

impl fmt::Display for Ecosystem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An ecosystem name that is neither one of ours ([`Ecosystem::as_str`]) nor an OSV one ([`Ecosystem::osv_name`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown ecosystem `{value}` (expected one of: {})",
    expected_ecosystems()
)]
pub struct ParseEcosystemError {
    value: String,
}

impl ParseEcosystemError {
    /// The value that was given.
    pub fn value(&self) -> &str {
        &self.value
    }
}

fn expected_ecosystems() -> String {
    let names: Vec<&str> = Ecosystem::ALL.iter().map(|e| e.as_str()).collect();
    format!(
        "{}, or an OSV name such as PyPI or crates.io",
        names.join(", ")
    )
}

impl FromStr for Ecosystem {
    type Err = ParseEcosystemError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.to_ascii_lowercase();
        Ecosystem::ALL
            .iter()
            .copied()
            .find(|e| e.as_str() == lower)
            .or_else(|| Ecosystem::from_osv_name(s))
            .ok_or_else(|| ParseEcosystemError {
                value: s.to_owned(),
            })
    }
}

/// An operating-system family, as detected from os-release and the distro's own files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OsFamily {
    /// Alpine Linux.
    Alpine,
    /// Debian (also distroless images built on Debian).
    Debian,
    /// Ubuntu.
    Ubuntu,
    /// Red Hat Enterprise Linux (and UBI).
    Redhat,
    /// CentOS.
    Centos,
    /// Rocky Linux.
    Rocky,
    /// AlmaLinux.
    Alma,
    /// Fedora.
    Fedora,
    /// Amazon Linux 1, 2, 2023.
    Amazon,
    /// Oracle Linux.
    Oracle,
    /// CBL-Mariner / Azure Linux.
    Azurelinux,
    /// SUSE Linux Enterprise Server.
    Sles,
    /// openSUSE Leap / Tumbleweed.
    Opensuse,
    /// Wolfi.
    Wolfi,
    /// Chainguard OS.
    Chainguard,
    /// VMware Photon OS.
    Photon,
    /// Anything else: packages still listed, no OS advisories.
    Unknown,
}

impl OsFamily {
    /// Our stable lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            OsFamily::Alpine => "alpine",
            OsFamily::Debian => "debian",
            OsFamily::Ubuntu => "ubuntu",
            OsFamily::Redhat => "redhat",
            OsFamily::Centos => "centos",
            OsFamily::Rocky => "rocky",
            OsFamily::Alma => "alma",
            OsFamily::Fedora => "fedora",
            OsFamily::Amazon => "amazon",
            OsFamily::Oracle => "oracle",
            OsFamily::Azurelinux => "azurelinux",
            OsFamily::Sles => "sles",
            OsFamily::Opensuse => "opensuse",
            OsFamily::Wolfi => "wolfi",
            OsFamily::Chainguard => "chainguard",
            OsFamily::Photon => "photon",
            OsFamily::Unknown => "unknown",
        }
    }

    /// The package manager's ecosystem for this family.
    pub fn ecosystem(self) -> Option<Ecosystem> {
        Some(match self {
            OsFamily::Alpine | OsFamily::Wolfi | OsFamily::Chainguard => Ecosystem::Apk,
            OsFamily::Debian | OsFamily::Ubuntu => Ecosystem::Deb,
            OsFamily::Unknown => return None,
            _ => Ecosystem::Rpm,
        })
    }
}

impl fmt::Display for OsFamily {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pep503() {
        assert_eq!(
            Ecosystem::PyPI.normalize_name("Foo.Bar__baz"),
            "foo-bar-baz"
        );
    }

    #[test]
    fn names_roundtrip() {
        for e in Ecosystem::ALL {
            assert_eq!(e.as_str().parse::<Ecosystem>(), Ok(*e));
        }
        assert_eq!("crates.io".parse::<Ecosystem>(), Ok(Ecosystem::Cargo));
        assert_eq!("PyPI".parse::<Ecosystem>(), Ok(Ecosystem::PyPI));
        let err = "NoSuchEcosystem".parse::<Ecosystem>().expect_err("unknown");
        assert_eq!(err.value(), "NoSuchEcosystem");
        let text = err.to_string();
        assert!(
            text.starts_with("unknown ecosystem `NoSuchEcosystem` (expected one of: deb, apk,"),
            "{text}"
        );
    }
}
