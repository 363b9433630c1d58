//! Where the public data lives: one table of every upstream location trawl reads, and how each can be pointed
//! elsewhere (`--feed KIND=URL_OR_DIR`, `TRAWL_FEED_<KIND>`). The URL layout below a location never changes:
//! a mirror serves the same paths as the publisher.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

/// One upstream location kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum UpstreamKind {
    /// The published trawl DB (OCI artifacts; several mirrors, tried in order).
    Db,
    /// The OSV bucket: `ecosystems.txt`, `<ECOSYSTEM>/all.zip`, `<ECOSYSTEM>/modified_id.csv`,
    /// `<ECOSYSTEM>/<ID>.json`.
    Osv,
    /// The OSV API: `POST /v1/querybatch` (which records affect these packages).
    OsvApi,
    /// Alpine secdb: `v3.x/main.json`, `v3.x/community.json`.
    AlpineSecdb,
    /// The Debian security tracker's JSON export (one document).
    DebianTracker,
    /// Wolfi's security JSON (secdb format).
    Wolfi,
    /// Amazon Linux repositories: `<release path>/mirror.list` -> `repodata/repomd.xml` -> updateinfo.
    Alas,
    /// CISA's Known Exploited Vulnerabilities catalog (JSON).
    Kev,
    /// FIRST EPSS scores (gzip'd CSV).
    Epss,
    /// FIRST's EPSS API: the scores of named CVEs.
    EpssApi,
    /// CVE JSON 5 records (cvelistV5 layout: `cves/<year>/<bucket>xxx/<ID>.json`): severities and titles.
    Cve5,
}

/// One row of the table.
#[derive(Debug, Clone, Copy)]
pub struct Upstream {
    /// The kind.
    pub kind: UpstreamKind,
    /// The name on the command line (`--feed NAME=...`).
    pub name: &'static str,
    /// The environment variable that replaces the location.
    pub env: &'static str,
    /// The publisher's location (comma-separated where several mirrors are tried in order).
    pub default: &'static str,
    /// The paths read below the location.
    pub layout: &'static str,
    /// What it carries.
    pub carries: &'static str,
}

/// Every upstream location, in the order a full build reads them. Docs (docs/data-sources.md) list the same.
pub const UPSTREAMS: &[Upstream] = &[
    Upstream {
        kind: UpstreamKind::Db,
        name: "db",
        env: "TRAWL_FEED_DB",
        default: "ghcr.io/trawl-scanner/trawl-db,public.ecr.aws/trawl-scanner/trawl-db",
        layout: "OCI artifact, tag = DB schema version",
        carries: "the published trawl DB, built nightly from every feed below",
    },
    Upstream {
        kind: UpstreamKind::Osv,
        name: "osv",
        env: "TRAWL_FEED_OSV",
        default: "https://osv-vulnerabilities.storage.googleapis.com",
        layout: "ecosystems.txt, <ECOSYSTEM>/all.zip, <ECOSYSTEM>/modified_id.csv, <ECOSYSTEM>/<ID>.json",
        carries: "language ecosystems (GHSA, PyPA, Go, RustSec...), Ubuntu, Chainguard, Red Hat, AlmaLinux, \
                  Rocky, SUSE, openSUSE, Photon, Azure Linux and other distributions published as OSV",
    },
    Upstream {
        kind: UpstreamKind::OsvApi,
        name: "osv-api",
        env: "TRAWL_FEED_OSV_API",
        default: "https://api.osv.dev",
        layout: "POST v1/querybatch",
        carries: "which OSV records name a package (a scan fetches only those records)",
    },
    Upstream {
        kind: UpstreamKind::AlpineSecdb,
        name: "alpine-secdb",
        env: "TRAWL_FEED_ALPINE_SECDB",
        default: "https://secdb.alpinelinux.org",
        layout: "v<MAJOR.MINOR>/main.json, v<MAJOR.MINOR>/community.json",
        carries: "Alpine fixes per release (vendor data)",
    },
    Upstream {
        kind: UpstreamKind::DebianTracker,
        name: "debian-tracker",
        env: "TRAWL_FEED_DEBIAN_TRACKER",
        default: "https://security-tracker.debian.org/tracker/data/json",
        layout: "one JSON document",
        carries: "Debian status per source package and release, urgency (vendor data)",
    },
    Upstream {
        kind: UpstreamKind::Wolfi,
        name: "wolfi",
        env: "TRAWL_FEED_WOLFI",
        default: "https://packages.wolfi.dev/os/security.json",
        layout: "one JSON document",
        carries: "Wolfi fixes (vendor data)",
    },
    Upstream {
        kind: UpstreamKind::Alas,
        name: "alas",
        env: "TRAWL_FEED_ALAS",
        default: "https://cdn.amazonlinux.com",
        layout: "2/core/latest/x86_64/mirror.list, al2023/core/mirrors/latest/x86_64/mirror.list -> \
                 repodata/repomd.xml -> updateinfo.xml.gz",
        carries: "Amazon Linux 2 and 2023 advisories (vendor data)",
    },
    Upstream {
        kind: UpstreamKind::Kev,
        name: "kev",
        env: "TRAWL_FEED_KEV",
        default: "https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json",
        layout: "one JSON document",
        carries: "CISA KEV flags",
    },
    Upstream {
        kind: UpstreamKind::Epss,
        name: "epss",
        env: "TRAWL_FEED_EPSS",
        default: "https://epss.empiricalsecurity.com/epss_scores-current.csv.gz",
        layout: "one gzip'd CSV",
        carries: "EPSS scores",
    },
    Upstream {
        kind: UpstreamKind::EpssApi,
        name: "epss-api",
        env: "TRAWL_FEED_EPSS_API",
        default: "https://api.first.org/data/v1/epss",
        layout: "GET ?cve=CVE-A,CVE-B (100 a request)",
        carries: "EPSS scores of the CVEs a scan matched (a scan does not download every score)",
    },
    Upstream {
        kind: UpstreamKind::Cve5,
        name: "cve5",
        env: "TRAWL_FEED_CVE5",
        default: "https://raw.githubusercontent.com/CVEProject/cvelistV5/main",
        layout: "cves/<YEAR>/<N>xxx/<CVE-ID>.json",
        carries: "CVE titles, descriptions and CNA/ADP CVSS severities",
    },
];

impl UpstreamKind {
    /// Every kind, in table order.
    pub fn all() -> impl Iterator<Item = UpstreamKind> {
        UPSTREAMS.iter().map(|u| u.kind)
    }

    /// Its row of the table.
    pub fn upstream(self) -> &'static Upstream {
        UPSTREAMS
            .iter()
            .find(|u| u.kind == self)
            .unwrap_or(&UPSTREAMS[0])
    }

    /// The command-line name.
    pub fn as_str(self) -> &'static str {
        self.upstream().name
    }
}

impl fmt::Display for UpstreamKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An upstream name that is none of [`UPSTREAMS`]' names.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown feed `{value}` (expected one of: {})", expected_upstreams())]
pub struct ParseUpstreamKindError {
    /// The value given, normalised (trimmed, lower-cased, `_` as `-`).
    value: String,
}

impl ParseUpstreamKindError {
    /// The value given, normalised (trimmed, lower-cased, `_` as `-`).
    pub fn value(&self) -> &str {
        &self.value
    }
}

fn expected_upstreams() -> String {
    let names: Vec<&str> = UPSTREAMS.iter().map(|u| u.name).collect();
    names.join(", ")
}

impl FromStr for UpstreamKind {
    type Err = ParseUpstreamKindError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim().to_ascii_lowercase().replace('_', "-");
        UPSTREAMS
            .iter()
            .find(|u| u.name == s)
            .map(|u| u.kind)
            .ok_or(ParseUpstreamKindError { value: s })
    }
}

/// The locations in force: the table's defaults, replaced by `TRAWL_FEED_*` variables, replaced by `--feed`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Locations {
    map: BTreeMap<UpstreamKind, String>,
}

impl Default for Locations {
    fn default() -> Self {
        Locations {
            map: UPSTREAMS
                .iter()
                .map(|u| (u.kind, u.default.to_owned()))
                .collect(),
        }
    }
}

impl Locations {
    /// Defaults, then the environment (through `var`, so tests need not touch the process environment), then
    /// `overrides` (`KIND=URL_OR_DIR`).
    pub fn resolve(
        var: &dyn Fn(&str) -> Option<String>,
        overrides: &[String],
    ) -> Result<Self, String> {
        let mut out = Locations::default();
        for u in UPSTREAMS {
            if let Some(v) = var(u.env)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
            {
                out.map.insert(u.kind, v);
            }
        }
        for o in overrides {
            let (kind, loc) = o.split_once('=').ok_or_else(|| {
                format!("`{o}`: expected KIND=URL_OR_DIR (e.g. osv=https://mirror.example/osv)")
            })?;
            let loc = loc.trim();
            if loc.is_empty() {
                return Err(format!("`{o}`: empty location"));
            }
            let kind: UpstreamKind = kind
                .parse()
                .map_err(|e: ParseUpstreamKindError| e.to_string())?;
            out.map.insert(kind, loc.to_owned());
        }
        Ok(out)
    }

    /// The location of `kind` (without a trailing slash).
    pub fn get(&self, kind: UpstreamKind) -> &str {
        self.map
            .get(&kind)
            .map_or(kind.upstream().default, String::as_str)
            .trim_end_matches('/')
    }

    /// Whether `kind` points somewhere other than the publisher.
    pub fn is_overridden(&self, kind: UpstreamKind) -> bool {
        self.get(kind) != kind.upstream().default
    }

    /// `path` below the location of `kind`.
    pub fn url(&self, kind: UpstreamKind, path: &str) -> String {
        if path.is_empty() {
            self.get(kind).to_owned()
        } else {
            format!("{}/{}", self.get(kind), path.trim_start_matches('/'))
        }
    }

    /// The published DB's repositories (comma-separated list of the `db` location).
    pub fn db_repositories(&self) -> Vec<String> {
        self.get(UpstreamKind::Db)
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    }
}

/// The cvelistV5 path of a CVE record: `cves/2019/14xxx/CVE-2019-14697.json`.
pub fn cve5_path(cve: &str) -> Option<String> {
    let rest = cve.strip_prefix("CVE-")?;
    let (year, num) = rest.split_once('-')?;
    if year.len() != 4
        || !year.bytes().all(|b| b.is_ascii_digit())
        || num.len() < 4
        || !num.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let n: u64 = num.parse().ok()?;
    Some(format!("cves/{year}/{}xxx/{cve}.json", n / 1000))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_a_unique_name_and_variable() {
        let mut names = std::collections::HashSet::new();
        let mut envs = std::collections::HashSet::new();
        for u in UPSTREAMS {
            assert!(names.insert(u.name), "{}", u.name);
            assert!(envs.insert(u.env), "{}", u.env);
            assert_eq!(
                u.env,
                format!(
                    "TRAWL_FEED_{}",
                    u.name.to_ascii_uppercase().replace('-', "_")
                )
            );
            assert_eq!(u.name.parse::<UpstreamKind>(), Ok(u.kind));
        }
    }

    #[test]
    fn unknown_kind_is_a_typed_error() {
        let err = " No_Such ".parse::<UpstreamKind>().expect_err("unknown");
        assert_eq!(err.value(), "no-such");
        let text = err.to_string();
        assert!(
            text.starts_with("unknown feed `no-such` (expected one of: db, osv,"),
            "{text}"
        );
    }

    #[test]
    fn flags_win_over_variables_over_defaults() {
        let env = |k: &str| match k {
            "TRAWL_FEED_OSV" => Some("http://127.0.0.1:1/osv/".to_owned()),
            "TRAWL_FEED_KEV" => Some("http://127.0.0.1:1/kev.json".to_owned()),
            _ => None,
        };
        let l = Locations::resolve(&env, &["kev=/mirror/kev.json".to_owned()]).expect("valid");
        assert_eq!(l.get(UpstreamKind::Osv), "http://127.0.0.1:1/osv");
        assert_eq!(
            l.url(UpstreamKind::Osv, "npm/all.zip"),
            "http://127.0.0.1:1/osv/npm/all.zip"
        );
        assert_eq!(l.get(UpstreamKind::Kev), "/mirror/kev.json");
        assert_eq!(
            l.get(UpstreamKind::Epss),
            UpstreamKind::Epss.upstream().default
        );
        assert!(l.is_overridden(UpstreamKind::Osv));
        assert!(!l.is_overridden(UpstreamKind::Epss));
        assert!(Locations::resolve(&env, &["nope=x".to_owned()]).is_err());
        assert!(Locations::resolve(&env, &["osv".to_owned()]).is_err());
    }

    #[test]
    fn cve5_paths() {
        assert_eq!(
            cve5_path("CVE-2019-14697").as_deref(),
            Some("cves/2019/14xxx/CVE-2019-14697.json")
        );
        assert_eq!(
            cve5_path("CVE-2024-3094").as_deref(),
            Some("cves/2024/3xxx/CVE-2024-3094.json")
        );
        assert_eq!(
            cve5_path("CVE-2021-44228").as_deref(),
            Some("cves/2021/44xxx/CVE-2021-44228.json")
        );
        assert_eq!(cve5_path("GHSA-xxxx"), None);
        assert_eq!(cve5_path("CVE-2019-../x"), None);
    }
}

#[cfg(test)]
mod docs {
    /// docs/data-sources.md lists every row of the table.
    #[test]
    fn the_data_sources_page_lists_every_upstream() {
        let page = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/data-sources.md"),
        )
        .expect("docs/data-sources.md");
        for u in super::UPSTREAMS {
            let row = page
                .lines()
                .find(|l| l.starts_with(&format!("| `{}` |", u.name)))
                .unwrap_or_else(|| panic!("docs/data-sources.md has no row for `{}`", u.name));
            assert!(row.contains(&format!("`{}`", u.env)), "{row}");
            assert!(row.contains(&format!("`{}`", u.default)), "{row}");
        }
    }
}
