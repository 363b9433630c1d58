//! Namespaces (OSV ecosystem spelling with release), package-name normalisation, data-source names, vendor
//! severity words.

use std::borrow::Cow;
use trawl_types::{DataSource, DataSourceId, Ecosystem, Severity};

/// OSV ecosystems of operating systems and other non-language ecosystems the DB accepts, in OSV spelling.
/// Their package names are stored as written.
const OS_ECOSYSTEMS: &[&str] = &[
    "AlmaLinux",
    "Alpine",
    "Alpaquita",
    "Amazon Linux",
    "Azure Linux",
    "BellSoft Hardened Containers",
    "Bitnami",
    "Chainguard",
    "CentOS",
    "Debian",
    "Echo",
    "Fedora",
    "Mageia",
    "Mariner",
    "MinimOS",
    "Oracle Linux",
    "openEuler",
    "openSUSE",
    "Photon OS",
    "Red Hat",
    "Rocky Linux",
    "SUSE",
    "Ubuntu",
    "Wolfi",
    "Android",
    "GitHub Actions",
    "Linux",
    "OSS-Fuzz",
    "Julia",
    "VSCode",
    "Swift",
    "opam",
];

/// A namespace parsed from an OSV ecosystem string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Namespace {
    /// Canonical namespace (`Ubuntu:22.04`, `PyPI`, `Debian:12`).
    pub(crate) name: String,
    /// Folded suffix (`LTS`, `Pro:LTS`, `FIPS`).
    pub(crate) variant: Option<String>,
    /// The language ecosystem, when it is one (selects name normalisation).
    pub(crate) ecosystem: Option<Ecosystem>,
}

/// Parses an OSV ecosystem (`Ubuntu:Pro:22.04:LTS`, `Debian:12`, `pypi`, `crates.io`) into a canonical
/// namespace. `None` for an ecosystem this DB does not know.
pub(crate) fn parse_namespace(ecosystem: &str) -> Option<Namespace> {
    let ecosystem = ecosystem.trim();
    if ecosystem.is_empty() {
        return None;
    }
    let (base, rest) = match ecosystem.split_once(':') {
        Some((b, r)) => (b.trim(), Some(r.trim())),
        None => (ecosystem, None),
    };
    if let Some(eco) = Ecosystem::from_osv_name(base) {
        let osv = eco.osv_name()?;
        // Language ecosystems carry no release; a suffix (rare) is kept as a variant.
        return Some(Namespace {
            name: osv.to_owned(),
            variant: rest.filter(|r| !r.is_empty()).map(str::to_owned),
            ecosystem: Some(eco),
        });
    }
    let canon = OS_ECOSYSTEMS
        .iter()
        .find(|e| e.eq_ignore_ascii_case(base))?;
    let Some(rest) = rest.filter(|r| !r.is_empty()) else {
        return Some(Namespace {
            name: (*canon).to_owned(),
            variant: None,
            ecosystem: None,
        });
    };
    // Split the rest into the release (the first part that starts with a digit or `v<digit>`, or a Debian
    // codename) and the variant words around it (`Pro`, `LTS`, `FIPS`).
    let parts: Vec<&str> = rest
        .split(':')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    let release_idx = parts.iter().position(|p| {
        let p = p.strip_prefix('v').unwrap_or(p);
        p.starts_with(|c: char| c.is_ascii_digit())
    });
    let (release, variant_parts): (String, Vec<&str>) = match release_idx {
        Some(i) => {
            let mut v = parts.clone();
            let r = v.remove(i);
            (r.to_owned(), v)
        }
        None => (
            parts.first().map(|s| (*s).to_owned()).unwrap_or_default(),
            parts[1..].to_vec(),
        ),
    };
    let release = normalise_release(canon, &release);
    Some(Namespace {
        name: format!("{canon}:{release}"),
        variant: (!variant_parts.is_empty()).then(|| variant_parts.join(":")),
        ecosystem: None,
    })
}

/// Release spelling per distro: Alpine keeps the `v` prefix (`v3.19`), Debian codenames become numbers.
fn normalise_release(distro: &str, release: &str) -> String {
    match distro {
        "Alpine" => {
            if release.starts_with('v') || release == "edge" {
                release.to_owned()
            } else {
                format!("v{release}")
            }
        }
        "Debian" => debian_release(release).unwrap_or(release).to_owned(),
        _ => release.to_owned(),
    }
}

/// Debian codename to release number (`bookworm` -> `12`); `sid`/`unstable` -> `sid`.
pub(crate) fn debian_release(codename: &str) -> Option<&'static str> {
    Some(match codename.to_ascii_lowercase().as_str() {
        "hamm" => "2.0",
        "slink" => "2.1",
        "potato" => "2.2",
        "woody" => "3.0",
        "sarge" => "3.1",
        "etch" => "4",
        "lenny" => "5",
        "squeeze" => "6",
        "wheezy" => "7",
        "jessie" => "8",
        "stretch" => "9",
        "buster" => "10",
        "bullseye" => "11",
        "bookworm" => "12",
        "trixie" => "13",
        "forky" => "14",
        "duke" => "15",
        "sid" | "unstable" => "sid",
        _ => return None,
    })
}

/// The name as stored for a namespace: the language ecosystem's normalisation, else as written.
pub(crate) fn normalise_package(ns: &Namespace, name: &str) -> String {
    normalise_name(ns.ecosystem, name).into_owned()
}

/// The one rule for package names, at build and at lookup: trimmed, then the language ecosystem's
/// normalisation (`None`: an OS namespace, names as written).
pub(crate) fn normalise_name(ecosystem: Option<Ecosystem>, name: &str) -> Cow<'_, str> {
    match ecosystem {
        Some(eco) => Cow::Owned(eco.normalize_name(name.trim())),
        None => Cow::Borrowed(name.trim()),
    }
}

/// The [`DataSource`] for a source ID: its human name and URL (`osv:<Ecosystem>` IDs get a generic OSV name,
/// IDs this version does not know their ID as name).
pub fn data_source(id: &DataSourceId) -> DataSource {
    let (name, url): (Cow<'static, str>, &str) = match id {
        DataSourceId::Ghsa => (
            "GitHub Advisory Database".into(),
            "https://github.com/advisories",
        ),
        DataSourceId::GoVulndb => (
            "Go Vulnerability Database".into(),
            "https://pkg.go.dev/vuln/",
        ),
        DataSourceId::Pypa => (
            "PyPA Advisory Database".into(),
            "https://github.com/pypa/advisory-database",
        ),
        DataSourceId::Rustsec => (
            "RustSec Advisory Database".into(),
            "https://rustsec.org/advisories/",
        ),
        DataSourceId::Ubuntu => (
            "Ubuntu Security Notices (OSV)".into(),
            "https://ubuntu.com/security/notices",
        ),
        DataSourceId::DebianOsv => (
            "Debian Security Advisories (OSV)".into(),
            "https://www.debian.org/security/",
        ),
        DataSourceId::DebianTracker => (
            "Debian Security Tracker".into(),
            "https://security-tracker.debian.org/tracker/",
        ),
        DataSourceId::AlpineSecdb => (
            "Alpine Security Database".into(),
            "https://secdb.alpinelinux.org/",
        ),
        DataSourceId::Wolfi => (
            "Wolfi Security Advisories".into(),
            "https://github.com/wolfi-dev/advisories",
        ),
        DataSourceId::Alas => (
            "Amazon Linux Security Center".into(),
            "https://alas.aws.amazon.com/",
        ),
        DataSourceId::Cve5 => ("CVE List (CVE JSON 5)".into(), "https://www.cve.org/"),
        DataSourceId::Nvd => (
            "National Vulnerability Database".into(),
            "https://nvd.nist.gov/vuln/detail/",
        ),
        DataSourceId::Osv => ("OSV".into(), "https://osv.dev/"),
        _ => match id.ecosystem() {
            Some(eco) => (format!("OSV ({eco})").into(), "https://osv.dev/"),
            None => (id.as_str().to_owned().into(), ""),
        },
    };
    DataSource {
        id: id.clone(),
        name: name.into_owned(),
        url: url.to_owned(),
    }
}

/// The data source of an OSV record, from its ID prefix (falls back to `osv:<first ecosystem>`, then `osv`).
pub(crate) fn osv_source_for(id: &str, first_ecosystem: Option<&str>) -> DataSourceId {
    let prefix = id
        .split('-')
        .next()
        .unwrap_or_default()
        .to_ascii_uppercase();
    match prefix.as_str() {
        "GHSA" => DataSourceId::Ghsa,
        "GO" => DataSourceId::GoVulndb,
        "PYSEC" => DataSourceId::Pypa,
        "RUSTSEC" => DataSourceId::Rustsec,
        "UBUNTU" | "USN" | "LSN" => DataSourceId::Ubuntu,
        "DSA" | "DLA" | "DTSA" | "DEBIAN" => DataSourceId::DebianOsv,
        _ => first_ecosystem
            .and_then(|e| DataSourceId::osv_ecosystem(e.split(':').next().unwrap_or(e)).ok())
            .unwrap_or(DataSourceId::Osv),
    }
}

/// Debian tracker urgency to severity (`unimportant` is Low; `not yet assigned` and the `**` "guessed"
/// marker give no / the guessed rating).
pub(crate) fn debian_urgency_severity(urgency: &str) -> Option<Severity> {
    let u = urgency.trim().trim_end_matches('*').to_ascii_lowercase();
    Some(match u.as_str() {
        "unimportant" | "low" => Severity::Low,
        "medium" => Severity::Medium,
        "high" => Severity::High,
        _ => return None,
    })
}

/// Ubuntu priority to severity (`negligible` is Low).
pub(crate) fn ubuntu_priority_severity(p: &str) -> Option<Severity> {
    Some(match p.trim().to_ascii_lowercase().as_str() {
        "negligible" | "low" => Severity::Low,
        "medium" => Severity::Medium,
        "high" => Severity::High,
        "critical" => Severity::Critical,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespaces() {
        let ns = parse_namespace("Ubuntu:Pro:22.04:LTS").expect("ubuntu");
        assert_eq!(ns.name, "Ubuntu:22.04");
        assert_eq!(ns.variant.as_deref(), Some("Pro:LTS"));
        let ns = parse_namespace("Ubuntu:20.04:LTS").expect("ubuntu");
        assert_eq!(
            (ns.name.as_str(), ns.variant.as_deref()),
            ("Ubuntu:20.04", Some("LTS"))
        );
        assert_eq!(parse_namespace("Debian:12").expect("d").name, "Debian:12");
        assert_eq!(
            parse_namespace("debian:bookworm").expect("d").name,
            "Debian:12"
        );
        assert_eq!(
            parse_namespace("Alpine:v3.19").expect("a").name,
            "Alpine:v3.19"
        );
        assert_eq!(
            parse_namespace("Alpine:3.19").expect("a").name,
            "Alpine:v3.19"
        );
        assert_eq!(parse_namespace("pypi").expect("p").name, "PyPI");
        assert_eq!(parse_namespace("crates.io").expect("c").name, "crates.io");
        assert_eq!(parse_namespace("Red Hat:9").expect("r").name, "Red Hat:9");
        assert_eq!(parse_namespace("Wolfi").expect("w").name, "Wolfi");
        assert!(parse_namespace("NoSuchEcosystem").is_none());
        assert!(parse_namespace("").is_none());
    }
}
