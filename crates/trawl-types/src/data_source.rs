//! Advisory data-source IDs: which feed an advisory came from.
//!
//! The ID is stored as its string in the advisory DB (`data_source.key`) and in reports
//! (`data_sources[].id`); serde uses that string. The feeds trawl reads have a variant each; an OSV record from
//! no known database is `osv:<Ecosystem>`; any other well-formed ID (lower-case ASCII letters and digits in
//! `-`-separated words, as a DB written by a newer trawl may hold) is kept as [`DataSourceId::Other`].

use std::fmt;
use std::str::FromStr;

/// The ID of an advisory data source.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum DataSourceId {
    /// `ghsa`: the GitHub Advisory Database.
    Ghsa,
    /// `go-vulndb`: the Go vulnerability database.
    GoVulndb,
    /// `pypa`: the PyPA advisory database.
    Pypa,
    /// `rustsec`: the RustSec advisory database.
    Rustsec,
    /// `ubuntu`: Ubuntu security notices (OSV).
    Ubuntu,
    /// `debian-osv`: Debian security advisories (OSV).
    DebianOsv,
    /// `debian-tracker`: the Debian security tracker.
    DebianTracker,
    /// `alpine-secdb`: the Alpine secdb.
    AlpineSecdb,
    /// `wolfi`: Wolfi security advisories.
    Wolfi,
    /// `alas`: the Amazon Linux security center.
    Alas,
    /// `cve5`: the CVE list (CVE JSON 5).
    Cve5,
    /// `nvd`: the National Vulnerability Database.
    Nvd,
    /// `osv`: an OSV record with no ecosystem.
    Osv,
    /// `kev`: CISA's Known Exploited Vulnerabilities catalog.
    Kev,
    /// `epss`: FIRST's EPSS scores.
    Epss,
    /// `osv:<Ecosystem>`: an OSV record from no known database, named by its ecosystem.
    OsvEcosystem(OtherId),
    /// A well-formed ID this version of trawl does not know, kept as it is written.
    Other(OtherId),
}

/// The text of a [`DataSourceId`] that is not one of the fixed names: only [`FromStr`] (and
/// [`DataSourceId::osv_ecosystem`]) make one, so a known name is never held here.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OtherId(Box<str>);

impl OtherId {
    /// The whole ID (`osv:Hex`, `some-feed`).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

const OSV_PREFIX: &str = "osv:";

impl DataSourceId {
    /// Every fixed ID.
    pub const FIXED: [DataSourceId; 15] = [
        DataSourceId::Ghsa,
        DataSourceId::GoVulndb,
        DataSourceId::Pypa,
        DataSourceId::Rustsec,
        DataSourceId::Ubuntu,
        DataSourceId::DebianOsv,
        DataSourceId::DebianTracker,
        DataSourceId::AlpineSecdb,
        DataSourceId::Wolfi,
        DataSourceId::Alas,
        DataSourceId::Cve5,
        DataSourceId::Nvd,
        DataSourceId::Osv,
        DataSourceId::Kev,
        DataSourceId::Epss,
    ];

    /// The ID as stored (`debian-tracker`, `osv:Hex`).
    pub fn as_str(&self) -> &str {
        match self {
            DataSourceId::Ghsa => "ghsa",
            DataSourceId::GoVulndb => "go-vulndb",
            DataSourceId::Pypa => "pypa",
            DataSourceId::Rustsec => "rustsec",
            DataSourceId::Ubuntu => "ubuntu",
            DataSourceId::DebianOsv => "debian-osv",
            DataSourceId::DebianTracker => "debian-tracker",
            DataSourceId::AlpineSecdb => "alpine-secdb",
            DataSourceId::Wolfi => "wolfi",
            DataSourceId::Alas => "alas",
            DataSourceId::Cve5 => "cve5",
            DataSourceId::Nvd => "nvd",
            DataSourceId::Osv => "osv",
            DataSourceId::Kev => "kev",
            DataSourceId::Epss => "epss",
            DataSourceId::OsvEcosystem(id) | DataSourceId::Other(id) => id.as_str(),
        }
    }

    /// `osv:<ecosystem>`, for an OSV record of no known database (the ecosystem as the record writes it,
    /// without a `:release` suffix).
    pub fn osv_ecosystem(ecosystem: &str) -> Result<DataSourceId, ParseDataSourceIdError> {
        format!("{OSV_PREFIX}{ecosystem}").parse()
    }

    /// The ecosystem of an `osv:<Ecosystem>` ID.
    pub fn ecosystem(&self) -> Option<&str> {
        match self {
            DataSourceId::OsvEcosystem(id) => id.as_str().strip_prefix(OSV_PREFIX),
            _ => None,
        }
    }

    /// Whether this is a vulnerability database that publishes OSV records of its own (GHSA, the Go, PyPA,
    /// RustSec databases, Ubuntu's and Debian's OSV exports), as opposed to a generic `osv`/`osv:<Ecosystem>`
    /// record or a non-OSV feed.
    pub fn is_osv_database(&self) -> bool {
        matches!(
            self,
            DataSourceId::Ghsa
                | DataSourceId::GoVulndb
                | DataSourceId::Pypa
                | DataSourceId::Rustsec
                | DataSourceId::Ubuntu
                | DataSourceId::DebianOsv
        )
    }
}

/// The placeholder for a record whose data source is missing from the DB (a damaged DB): `unknown`.
impl Default for DataSourceId {
    fn default() -> Self {
        DataSourceId::Other(OtherId("unknown".into()))
    }
}

/// Why a string is not a data-source ID.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid data source ID `{value}` (expected a known source such as ghsa, nvd, osv, debian-tracker or \
     alpine-secdb, `osv:<Ecosystem>`, or lower-case letters and digits in `-`-separated words)"
)]
pub struct ParseDataSourceIdError {
    value: String,
}

impl ParseDataSourceIdError {
    /// The value that was given.
    pub fn value(&self) -> &str {
        &self.value
    }
}

/// Lower-case ASCII letters and digits in `-`-separated words (`debian-tracker`).
fn kebab(s: &str) -> bool {
    !s.is_empty()
        && s.split('-').all(|w| {
            !w.is_empty()
                && w.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

impl FromStr for DataSourceId {
    type Err = ParseDataSourceIdError;

    /// A fixed name; `osv:` and an ecosystem without control characters; or another kebab-case word.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if let Some(known) = DataSourceId::FIXED.into_iter().find(|k| k.as_str() == s) {
            return Ok(known);
        }
        if let Some(eco) = s.strip_prefix(OSV_PREFIX) {
            if !eco.chars().any(char::is_control) {
                return Ok(DataSourceId::OsvEcosystem(OtherId(s.into())));
            }
        } else if kebab(s) {
            return Ok(DataSourceId::Other(OtherId(s.into())));
        }
        Err(ParseDataSourceIdError {
            value: s.to_owned(),
        })
    }
}

impl fmt::Display for DataSourceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<str> for DataSourceId {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for DataSourceId {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

crate::strser::serde_as_str!(DataSourceId, "a data source ID");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_names_round_trip() {
        for id in DataSourceId::FIXED {
            assert_eq!(id.as_str().parse::<DataSourceId>(), Ok(id.clone()));
            assert_eq!(id.to_string(), id.as_str());
            let json = serde_json::to_string(&id).expect("serialise");
            assert_eq!(json, format!("\"{}\"", id.as_str()));
            assert_eq!(
                serde_json::from_str::<DataSourceId>(&json).expect("read"),
                id
            );
        }
        assert_eq!(
            "debian-tracker".parse::<DataSourceId>(),
            Ok(DataSourceId::DebianTracker)
        );
        assert_eq!(DataSourceId::Nvd, "nvd");
    }

    #[test]
    fn osv_ecosystems_and_others() {
        let hex: DataSourceId = "osv:Hex".parse().expect("osv");
        assert_eq!(hex.ecosystem(), Some("Hex"));
        assert_eq!(hex.as_str(), "osv:Hex");
        assert_eq!(DataSourceId::osv_ecosystem("Hex"), Ok(hex.clone()));
        let rocky = DataSourceId::osv_ecosystem("Rocky Linux").expect("spaces are fine");
        assert_eq!(rocky.to_string(), "osv:Rocky Linux");
        assert_eq!(
            serde_json::from_str::<DataSourceId>("\"osv:Hex\"").expect("read"),
            hex
        );
        let other: DataSourceId = "redhat-csaf".parse().expect("kebab");
        assert!(matches!(other, DataSourceId::Other(_)));
        assert_eq!(other.as_str(), "redhat-csaf");
        assert_eq!(other.ecosystem(), None);
        assert!(DataSourceId::Ghsa.is_osv_database() && !hex.is_osv_database());
        assert_eq!(DataSourceId::default().as_str(), "unknown");
        assert_eq!(
            DataSourceId::default().as_str().parse::<DataSourceId>(),
            Ok(DataSourceId::default())
        );
    }

    #[test]
    fn bad_ids_are_typed_errors() {
        for bad in [
            "",
            "GHSA",
            "debian tracker",
            "-x",
            "x-",
            "a--b",
            "osv:\n",
            "é",
        ] {
            let err = bad.parse::<DataSourceId>().expect_err(bad);
            assert_eq!(err.value(), bad);
            assert!(err.to_string().contains("invalid data source ID"), "{err}");
        }
        assert!(DataSourceId::osv_ecosystem("a\u{7}").is_err());
        assert!(serde_json::from_str::<DataSourceId>("\"NVD\"").is_err());
        assert!(serde_json::from_str::<DataSourceId>("1").is_err());
    }
}
