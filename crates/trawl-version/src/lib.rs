//! Version order for every ecosystem and OSV range evaluation.
//!
//! - [`Scheme`] names a version scheme (one per ecosystem family); [`Scheme::parse`] gives a [`Version`], which is
//!   [`Ord`] so a matcher can parse once and compare many times. [`compare`] does both for two strings.
//! - [`affected`] evaluates OSV `affected[].ranges` / `versions` for an installed version; [`lowest_fixed`]
//!   picks the fix to recommend.
//! - [`parse_constraint`] reads the range syntaxes vendor feeds use (npm, Maven, PyPI, RubyGems, and a common
//!   comparator list for the rest) into a [`Constraint`].
//!
//! Each scheme lives in its own module whose docs list the scheme's quirks; every comparator is written to agree
//! with the ecosystem's reference tool (dpkg, rpm, apk-tools, `packaging`, node-semver, Maven's
//! `ComparableVersion`, `Gem::Version`, NuGet, Go, Composer, pub, Elixir, R, Cabal). Parsing never panics: bad
//! input gives a [`VersionError`].

mod apk;
mod cargo;
mod constraint;
mod cran;
mod deb;
mod generic;
mod go;
mod hackage;
mod hex;
mod maven;
mod nuget;
mod num;
mod packagist;
mod pep440;
mod pub_;
mod range;
mod rpm;
mod rubygems;
mod semver_npm;
mod upstream;

pub use constraint::{Constraint, parse_constraint};
pub use range::{Affected, Event, OsvRange, RangeKind, affected, lowest_fixed};

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

/// Longest version string accepted (longer input is an error, never a slow path).
pub const MAX_VERSION_LEN: usize = 4096;

/// A version scheme: how one ecosystem spells and orders its versions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scheme {
    /// Debian and Ubuntu packages (`dpkg --compare-versions`).
    Deb,
    /// Alpine, Wolfi and Chainguard packages (apk-tools).
    Apk,
    /// RPM packages (rpm's `rpmvercmp`/`labelCompare`).
    Rpm,
    /// PyPI (PEP 440, Python `packaging`).
    Pep440,
    /// npm (node-semver).
    Npm,
    /// Maven (`ComparableVersion`).
    Maven,
    /// RubyGems (`Gem::Version`).
    RubyGems,
    /// NuGet (`NuGetVersion`).
    NuGet,
    /// Go modules (`golang.org/x/mod/semver`).
    Go,
    /// crates.io (Cargo's semver).
    Cargo,
    /// Packagist (Composer's version parser).
    Packagist,
    /// Pub (Dart's `pub_semver`).
    Pub,
    /// Hex (Elixir's `Version`).
    Hex,
    /// CRAN (R's `package_version`).
    Cran,
    /// Hackage (Cabal's `Version`).
    Hackage,
    /// Any other ecosystem: the explicit fallback order.
    Generic,
    /// Upstream releases of software found outside package managers, matched by CPE (`1.1.1w`, `17.0.9+9`).
    Upstream,
}

impl Scheme {
    /// Every scheme.
    pub const ALL: [Scheme; 17] = [
        Scheme::Deb,
        Scheme::Apk,
        Scheme::Rpm,
        Scheme::Pep440,
        Scheme::Npm,
        Scheme::Maven,
        Scheme::RubyGems,
        Scheme::NuGet,
        Scheme::Go,
        Scheme::Cargo,
        Scheme::Packagist,
        Scheme::Pub,
        Scheme::Hex,
        Scheme::Cran,
        Scheme::Hackage,
        Scheme::Generic,
        Scheme::Upstream,
    ];

    /// The canonical (lower-case ecosystem) name: `debian`, `alpine`, `rpm`, `pypi`, `npm`, `maven`, `rubygems`,
    /// `nuget`, `go`, `cargo`, `packagist`, `pub`, `hex`, `cran`, `hackage`, `generic`, `upstream`.
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Deb => "debian",
            Scheme::Apk => "alpine",
            Scheme::Rpm => "rpm",
            Scheme::Pep440 => "pypi",
            Scheme::Npm => "npm",
            Scheme::Maven => "maven",
            Scheme::RubyGems => "rubygems",
            Scheme::NuGet => "nuget",
            Scheme::Go => "go",
            Scheme::Cargo => "cargo",
            Scheme::Packagist => "packagist",
            Scheme::Pub => "pub",
            Scheme::Hex => "hex",
            Scheme::Cran => "cran",
            Scheme::Hackage => "hackage",
            Scheme::Generic => "generic",
            Scheme::Upstream => "upstream",
        }
    }

    /// The scheme for an ecosystem name, falling back to [`Scheme::Generic`] for unknown ones.
    ///
    /// Accepts everything [`FromStr`] accepts, including OSV ecosystem names with a release suffix
    /// (`Debian:12`, `Alpine:v3.20`).
    pub fn for_ecosystem(name: &str) -> Scheme {
        name.parse().unwrap_or(Scheme::Generic)
    }

    /// Parses a version of this scheme.
    pub fn parse(&self, s: &str) -> Result<Version, VersionError> {
        Version::parse(*self, s)
    }

    /// Compares two versions of this scheme.
    pub fn compare(&self, a: &str, b: &str) -> Result<Ordering, VersionError> {
        compare(*self, a, b)
    }
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Scheme {
    type Err = VersionError;

    /// Ecosystem names, case-insensitive: `debian`, `ubuntu` (-> Deb), `alpine`, `wolfi`, `chainguard`, `apk`
    /// (-> Apk), `rpm`, `redhat`, `red hat`, `rocky linux`, `almalinux`, `suse`, `opensuse`, `mariner`,
    /// `azure linux`, `amazon`, `fedora`, `centos`, `oracle`, `mageia`, `photon os`, `openeuler` (-> Rpm), `pypi`,
    /// `python`, `npm`, `maven`, `rubygems`, `gem`, `nuget`, `go`, `golang`, `cargo`, `crates.io`, `packagist`,
    /// `composer`, `pub`, `hex`, `cran`, `hackage`, `generic`, `upstream`, `cpe` (-> Upstream: the namespace of
    /// CPE-keyed advisories). An OSV release suffix after `:` is ignored.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let base = s.split(':').next().unwrap_or(s).trim().to_ascii_lowercase();
        let scheme = match base.as_str() {
            "debian" | "ubuntu" | "deb" | "dpkg" => Scheme::Deb,
            "alpine"
            | "wolfi"
            | "chainguard"
            | "apk"
            | "alpaquita"
            | "bellsoft hardened containers" => Scheme::Apk,
            "rpm" | "redhat" | "red hat" | "rhel" | "rocky linux" | "rocky" | "almalinux"
            | "alma" | "suse" | "opensuse" | "sles" | "mariner" | "cbl-mariner" | "azure linux"
            | "azurelinux" | "amazon" | "amazon linux" | "fedora" | "centos" | "oracle"
            | "oracle linux" | "mageia" | "photon os" | "photon" | "openeuler" | "opencloudos" => {
                Scheme::Rpm
            }
            "pypi" | "python" | "pep440" => Scheme::Pep440,
            "npm" | "node" => Scheme::Npm,
            "maven" => Scheme::Maven,
            "rubygems" | "gem" | "ruby" => Scheme::RubyGems,
            "nuget" => Scheme::NuGet,
            "go" | "golang" => Scheme::Go,
            "cargo" | "crates.io" | "rust" => Scheme::Cargo,
            "packagist" | "composer" | "php" => Scheme::Packagist,
            "pub" | "dart" => Scheme::Pub,
            "hex" | "erlang" | "elixir" => Scheme::Hex,
            "cran" | "r" => Scheme::Cran,
            "hackage" | "haskell" => Scheme::Hackage,
            "generic" => Scheme::Generic,
            "upstream" | "cpe" => Scheme::Upstream,
            _ => return Err(VersionError::UnknownScheme(s.to_string())),
        };
        Ok(scheme)
    }
}

/// Why a version, range or scheme name was rejected.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VersionError {
    /// The string is not a version of this scheme.
    #[error("invalid {scheme} version {version:?}: {reason}")]
    Invalid {
        /// The scheme that rejected it.
        scheme: Scheme,
        /// The rejected input.
        version: String,
        /// Why.
        reason: String,
    },
    /// The name is not a known ecosystem.
    #[error("unknown version scheme {0:?}")]
    UnknownScheme(String),
    /// A vendor range expression could not be read.
    #[error("invalid {scheme} range {constraint:?}: {reason}")]
    InvalidConstraint {
        /// The scheme whose syntax was used.
        scheme: Scheme,
        /// The rejected input.
        constraint: String,
        /// Why.
        reason: String,
    },
}

#[derive(Clone, Debug)]
enum Repr {
    Deb(deb::DebVersion),
    Apk(apk::ApkVersion),
    Rpm(rpm::RpmVersion),
    Py(pep440::PyVersion),
    Semver(semver_npm::Semver),
    Pub(semver_npm::Semver),
    Maven(maven::MavenVersion),
    Gem(rubygems::GemVersion),
    NuGet(nuget::NuGetVersion),
    Packagist(packagist::PackagistVersion),
    Cran(cran::CranVersion),
    Hackage(hackage::HackageVersion),
    Generic(generic::GenericVersion),
    Upstream(upstream::UpstreamVersion),
}

/// A parsed version of one scheme.
///
/// `Ord` orders versions of the same scheme as the ecosystem does; versions of different schemes (which a
/// caller should never mix) are ordered by scheme first, so the order stays total. Equality is the order's
/// equality (`1.0` and `1.0.0` are equal PyPI versions); [`Version::as_str`] keeps the original text.
#[derive(Clone, Debug)]
pub struct Version {
    scheme: Scheme,
    raw: Box<str>,
    repr: Repr,
}

impl Version {
    /// Parses `s` as a version of `scheme`.
    pub fn parse(scheme: Scheme, s: &str) -> Result<Version, VersionError> {
        let err = |reason: String| VersionError::Invalid {
            scheme,
            version: s.to_string(),
            reason,
        };
        if s.len() > MAX_VERSION_LEN {
            return Err(err(format!("longer than {MAX_VERSION_LEN} bytes")));
        }
        let repr = match scheme {
            Scheme::Deb => Repr::Deb(deb::parse(s).map_err(err)?),
            Scheme::Apk => Repr::Apk(apk::parse(s).map_err(err)?),
            Scheme::Rpm => Repr::Rpm(rpm::parse(s).map_err(err)?),
            Scheme::Pep440 => Repr::Py(pep440::parse(s).map_err(err)?),
            Scheme::Npm => Repr::Semver(semver_npm::parse(s).map_err(err)?),
            Scheme::Go => Repr::Semver(go::parse(s).map_err(err)?),
            Scheme::Cargo => Repr::Semver(cargo::parse(s).map_err(err)?),
            Scheme::Hex => Repr::Semver(hex::parse(s).map_err(err)?),
            Scheme::Pub => Repr::Pub(pub_::parse(s).map_err(err)?),
            Scheme::Maven => Repr::Maven(maven::parse(s).map_err(err)?),
            Scheme::RubyGems => Repr::Gem(rubygems::parse(s).map_err(err)?),
            Scheme::NuGet => Repr::NuGet(nuget::parse(s).map_err(err)?),
            Scheme::Packagist => Repr::Packagist(packagist::parse(s).map_err(err)?),
            Scheme::Cran => Repr::Cran(cran::parse(s).map_err(err)?),
            Scheme::Hackage => Repr::Hackage(hackage::parse(s).map_err(err)?),
            Scheme::Generic => Repr::Generic(generic::parse(s).map_err(err)?),
            Scheme::Upstream => Repr::Upstream(upstream::parse(s).map_err(err)?),
        };
        Ok(Version {
            scheme,
            raw: s.into(),
            repr,
        })
    }

    /// The scheme this version was parsed with.
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// The original text.
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    fn semver(&self) -> Option<&semver_npm::Semver> {
        match &self.repr {
            Repr::Semver(v) | Repr::Pub(v) => Some(v),
            _ => None,
        }
    }

    fn gem(&self) -> Option<&rubygems::GemVersion> {
        match &self.repr {
            Repr::Gem(v) => Some(v),
            _ => None,
        }
    }

    fn py(&self) -> Option<&pep440::PyVersion> {
        match &self.repr {
            Repr::Py(v) => Some(v),
            _ => None,
        }
    }

    /// Is this a pre-release (SemVer pre-release, PEP 440 a/b/rc/dev, Maven/RubyGems/NuGet qualifiers)?
    ///
    /// Ranges use it: npm ranges only match pre-releases on request.
    pub fn is_prerelease(&self) -> bool {
        match &self.repr {
            Repr::Semver(v) | Repr::Pub(v) => !v.pre.is_empty(),
            Repr::Py(v) => v.is_prerelease(),
            Repr::Gem(v) => v.is_prerelease(),
            Repr::NuGet(v) => v.is_prerelease(),
            _ => false,
        }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        if self.scheme != other.scheme {
            return self
                .scheme
                .cmp(&other.scheme)
                .then_with(|| self.raw.cmp(&other.raw));
        }
        match (&self.repr, &other.repr) {
            (Repr::Deb(a), Repr::Deb(b)) => a.cmp(b),
            (Repr::Apk(a), Repr::Apk(b)) => a.cmp(b),
            (Repr::Rpm(a), Repr::Rpm(b)) => a.cmp(b),
            (Repr::Py(a), Repr::Py(b)) => a.cmp(b),
            (Repr::Semver(a), Repr::Semver(b)) => a.cmp_precedence(b),
            (Repr::Pub(a), Repr::Pub(b)) => pub_::cmp(a, b),
            (Repr::Maven(a), Repr::Maven(b)) => a.cmp(b),
            (Repr::Gem(a), Repr::Gem(b)) => a.cmp(b),
            (Repr::NuGet(a), Repr::NuGet(b)) => a.cmp(b),
            (Repr::Packagist(a), Repr::Packagist(b)) => a.cmp(b),
            (Repr::Cran(a), Repr::Cran(b)) => a.cmp(b),
            (Repr::Hackage(a), Repr::Hackage(b)) => a.cmp(b),
            (Repr::Generic(a), Repr::Generic(b)) => a.cmp(b),
            (Repr::Upstream(a), Repr::Upstream(b)) => a.cmp(b),
            // One scheme always yields one representation.
            _ => self.raw.cmp(&other.raw),
        }
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Version {}

/// Compares two versions of `scheme`.
///
/// ```
/// use std::cmp::Ordering;
/// use trawl_version::{Scheme, compare};
/// assert_eq!(compare(Scheme::Deb, "1.0~rc1", "1.0").unwrap(), Ordering::Less);
/// assert_eq!(compare(Scheme::Pep440, "1.0", "1.0.0").unwrap(), Ordering::Equal);
/// ```
pub fn compare(scheme: Scheme, a: &str, b: &str) -> Result<Ordering, VersionError> {
    Ok(Version::parse(scheme, a)?.cmp(&Version::parse(scheme, b)?))
}

/// Parses `s` as a version of `scheme` (same as [`Scheme::parse`]).
pub fn parse(scheme: Scheme, s: &str) -> Result<Version, VersionError> {
    Version::parse(scheme, s)
}
