//! Feed parsers: one module per upstream format. Each reads a location (directory, file, zip, URL), turns
//! records into [`Advisory`](crate::model::Advisory) values and hands them to a [`Sink`]. A malformed record
//! is counted in [`Stats`] and skipped; only an unreadable location is an error.

pub(crate) mod alas;
pub(crate) mod alpine;
pub(crate) mod cpe;
pub(crate) mod cve5;
pub(crate) mod debian;
pub(crate) mod epss;
pub(crate) mod kev;
pub(crate) mod nvd;
pub(crate) mod osv;
pub(crate) mod ubuntu_vex;
pub(crate) mod wolfi;

use crate::DbError;
use crate::model::Advisory;
use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// The feed formats `trawl db build --source KIND=...` accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FeedKind {
    /// OSV JSON/YAML: a directory tree, a zip (`<ECOSYSTEM>/all.zip`), or the OSV bucket's HTTP base URL.
    Osv,
    /// Alpine secdb (YAML or JSON), a file or a directory of `v3.x/{main,community}.{yaml,json}`.
    AlpineSecdb,
    /// Debian security tracker: a checkout root (`data/CVE/list`, `data/DSA/list`, `data/DLA/list`), its JSON
    /// export, or per-CVE JSON records that keep the tracker lines (vuln-list-debian layout).
    DebianTracker,
    /// Wolfi: advisories YAML (event model) or a secdb JSON.
    Wolfi,
    /// Canonical's OpenVEX documents: Ubuntu's status per source package and release.
    UbuntuVex,
    /// Amazon Linux ALAS yum `updateinfo.xml`.
    Alas,
    /// CVE JSON 5 records (CNA and CISA-ADP metrics).
    Cve5,
    /// NVD CVE API 2.0 JSON.
    Nvd,
    /// CISA Known Exploited Vulnerabilities JSON.
    Kev,
    /// FIRST EPSS CSV.
    Epss,
}

impl FeedKind {
    /// Every kind.
    pub const ALL: [FeedKind; 10] = [
        FeedKind::Osv,
        FeedKind::AlpineSecdb,
        FeedKind::DebianTracker,
        FeedKind::Wolfi,
        FeedKind::UbuntuVex,
        FeedKind::Alas,
        FeedKind::Cve5,
        FeedKind::Nvd,
        FeedKind::Kev,
        FeedKind::Epss,
    ];

    /// The name used on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            FeedKind::Osv => "osv",
            FeedKind::AlpineSecdb => "alpine-secdb",
            FeedKind::DebianTracker => "debian-tracker",
            FeedKind::Wolfi => "wolfi",
            FeedKind::UbuntuVex => "ubuntu-vex",
            FeedKind::Alas => "alas",
            FeedKind::Cve5 => "cve5",
            FeedKind::Nvd => "nvd",
            FeedKind::Kev => "kev",
            FeedKind::Epss => "epss",
        }
    }
}

impl fmt::Display for FeedKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A feed kind that is none of [`FeedKind::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown feed kind `{value}` (expected one of: {})", expected_kinds())]
pub struct ParseFeedKindError {
    value: String,
}

impl ParseFeedKindError {
    /// The value that was given.
    pub fn value(&self) -> &str {
        &self.value
    }
}

fn expected_kinds() -> String {
    let names: Vec<&str> = FeedKind::ALL.iter().map(|k| k.as_str()).collect();
    names.join(", ")
}

impl FromStr for FeedKind {
    type Err = ParseFeedKindError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        FeedKind::ALL
            .iter()
            .copied()
            .find(|k| k.as_str() == s.trim())
            .ok_or_else(|| ParseFeedKindError {
                value: s.to_owned(),
            })
    }
}

/// Why a `--source` value is not `KIND=PATH_OR_URL` (or `osv` alone).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseSourceSpecError {
    /// No `=`.
    #[error("`{0}`: expected KIND=PATH_OR_URL (e.g. osv=./osv-data)")]
    NoKind(String),
    /// Nothing after the `=`.
    #[error("`{0}`: empty location")]
    EmptyLocation(String),
    /// The part before the `=` is not a feed kind.
    #[error(transparent)]
    Kind(#[from] ParseFeedKindError),
}

/// One `--source KIND=PATH_OR_URL`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceSpec {
    /// The format.
    pub kind: FeedKind,
    /// A path or an HTTP(S) URL.
    pub location: String,
}

impl FromStr for SourceSpec {
    type Err = ParseSourceSpecError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        // `osv` alone: the public OSV bucket.
        if s.trim() == "osv" {
            return Ok(SourceSpec {
                kind: FeedKind::Osv,
                location: osv::DEFAULT_OSV_URL.to_owned(),
            });
        }
        let (kind, location) = s
            .split_once('=')
            .ok_or_else(|| ParseSourceSpecError::NoKind(s.to_owned()))?;
        if location.trim().is_empty() {
            return Err(ParseSourceSpecError::EmptyLocation(s.to_owned()));
        }
        Ok(SourceSpec {
            kind: kind.parse()?,
            location: location.trim().to_owned(),
        })
    }
}

impl fmt::Display for SourceSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}", self.kind, self.location)
    }
}

/// Where parsed records go.
pub(crate) trait Sink {
    /// Stores an advisory (replacing one with the same ID and source).
    fn advisory(&mut self, a: Advisory) -> Result<(), DbError>;
    /// Records a KEV entry.
    fn kev(
        &mut self,
        cve: &str,
        date_added: Option<&str>,
        ransomware: Option<&str>,
    ) -> Result<(), DbError>;
    /// Records an EPSS score.
    fn epss(&mut self, cve: &str, score: f64, percentile: f64) -> Result<(), DbError>;
}

/// Counters of one source.
#[derive(Debug, Default)]
pub(crate) struct Stats {
    pub(crate) records: u64,
    pub(crate) skipped: u64,
    pub(crate) errors: Vec<String>,
    pub(crate) feed_timestamp: Option<String>,
}

/// How many skip reasons are kept per source (all are counted).
const MAX_ERRORS: usize = 20;

impl Stats {
    /// Counts a skipped record and keeps its reason (the first few).
    pub(crate) fn skip(&mut self, reason: impl Into<String>) {
        self.skipped += 1;
        let reason = reason.into();
        tracing::warn!("skipped: {reason}");
        if self.errors.len() < MAX_ERRORS {
            self.errors.push(reason);
        }
    }

    /// Keeps the newest timestamp seen (RFC 3339 strings compare in time order when in UTC).
    pub(crate) fn saw_timestamp(&mut self, ts: Option<&str>) {
        let Some(ts) = ts
            .map(str::trim)
            .filter(|t| !t.is_empty() && !t.starts_with("0001-"))
        else {
            return;
        };
        if self.feed_timestamp.as_deref().is_none_or(|cur| ts > cur) {
            self.feed_timestamp = Some(ts.to_owned());
        }
    }
}

/// One input file: a display name (path, `zip!entry` or URL) and its bytes.
pub(crate) struct InputFile {
    pub(crate) name: String,
    pub(crate) bytes: Vec<u8>,
}

/// Lists the files of a local location recursively (sorted), expanding zips and gunzipping `.gz` files; calls
/// `f` for each one whose name `accept` likes. Unreadable single entries are reported through `on_error`.
pub(crate) fn for_each_local_file(
    location: &Path,
    accept: &dyn Fn(&str) -> bool,
    f: &mut dyn FnMut(InputFile),
    on_error: &mut dyn FnMut(String),
) -> Result<(), DbError> {
    let meta = std::fs::metadata(location).map_err(|e| DbError::io(location, e))?;
    if meta.is_dir() {
        let mut files = Vec::new();
        walk(location, &mut files).map_err(|e| DbError::io(location, e))?;
        files.sort();
        for path in files {
            visit_file(&path, accept, f, on_error);
        }
        Ok(())
    } else {
        let bytes = std::fs::read(location).map_err(|e| DbError::io(location, e))?;
        let name = location.display().to_string();
        visit_bytes(name, bytes, accept, f, on_error);
        Ok(())
    }
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let ft = entry.file_type()?;
        let path = entry.path();
        if ft.is_dir() {
            walk(&path, out)?;
        } else if ft.is_file() || (ft.is_symlink() && path.is_file()) {
            out.push(path);
        }
    }
    Ok(())
}

fn visit_file(
    path: &Path,
    accept: &dyn Fn(&str) -> bool,
    f: &mut dyn FnMut(InputFile),
    on_error: &mut dyn FnMut(String),
) {
    let name = path.display().to_string();
    let lower = name.to_ascii_lowercase();
    if !(accept(&lower) || lower.ends_with(".zip") || lower.ends_with(".gz")) {
        return;
    }
    match std::fs::read(path) {
        Ok(bytes) => visit_bytes(name, bytes, accept, f, on_error),
        Err(e) => on_error(format!("{name}: {e}")),
    }
}

/// Hands `bytes` to `f`, expanding a zip archive or a gzip file first.
pub(crate) fn visit_bytes(
    name: String,
    bytes: Vec<u8>,
    accept: &dyn Fn(&str) -> bool,
    f: &mut dyn FnMut(InputFile),
    on_error: &mut dyn FnMut(String),
) {
    let lower = name.to_ascii_lowercase();
    if lower.ends_with(".zip") {
        let mut archive = match zip::ZipArchive::new(std::io::Cursor::new(bytes)) {
            Ok(a) => a,
            Err(e) => return on_error(format!("{name}: not a readable zip archive: {e}")),
        };
        let mut entries: Vec<(String, usize)> = Vec::new();
        for i in 0..archive.len() {
            match archive.by_index(i) {
                Ok(zf) if !zf.is_dir() => match zf.name() {
                    Ok(n) => entries.push((n.into_owned(), i)),
                    Err(e) => on_error(format!("{name}: entry {i}: {e}")),
                },
                Ok(_) => {}
                Err(e) => on_error(format!("{name}: entry {i}: {e}")),
            }
        }
        entries.sort();
        for (entry, i) in entries {
            if !accept(&entry.to_ascii_lowercase()) {
                continue;
            }
            let display = format!("{name}!{entry}");
            let mut buf = Vec::new();
            let read = archive
                .by_index(i)
                .map_err(|e| e.to_string())
                .and_then(|mut zf| zf.read_to_end(&mut buf).map_err(|e| e.to_string()));
            match read {
                Ok(_) => f(InputFile {
                    name: display,
                    bytes: buf,
                }),
                Err(e) => on_error(format!("{display}: {e}")),
            }
        }
    } else if lower.ends_with(".gz") {
        let mut out = Vec::new();
        match flate2::read::GzDecoder::new(bytes.as_slice()).read_to_end(&mut out) {
            Ok(_) => {
                let inner = name[..name.len() - 3].to_owned();
                if accept(&inner.to_ascii_lowercase()) {
                    f(InputFile {
                        name: inner,
                        bytes: out,
                    });
                }
            }
            Err(e) => on_error(format!("{name}: bad gzip data: {e}")),
        }
    } else if accept(&lower) {
        f(InputFile { name, bytes });
    }
}

/// Reads a location that is one document (or a directory of them): local path or HTTP(S) URL.
pub(crate) fn for_each_input(
    location: &str,
    accept: &dyn Fn(&str) -> bool,
    f: &mut dyn FnMut(InputFile),
    stats: &mut Stats,
) -> Result<(), DbError> {
    if crate::http::is_url(location) {
        let agent = crate::http::agent(crate::http::DEFAULT_TIMEOUT);
        let bytes = crate::http::get_bytes(&agent, location)?;
        let mut on_error = |e: String| stats.skip(e);
        // A URL is taken as one document even if its name has no known extension.
        let accept_all = |_: &str| true;
        let name = location.to_owned();
        let lower = name.to_ascii_lowercase();
        if lower.ends_with(".zip") || lower.ends_with(".gz") {
            visit_bytes(name, bytes, accept, f, &mut on_error);
        } else {
            visit_bytes(name, bytes, &accept_all, f, &mut on_error);
        }
        return Ok(());
    }
    let mut errors = Vec::new();
    for_each_local_file(Path::new(location), accept, f, &mut |e| errors.push(e))?;
    for e in errors {
        stats.skip(e);
    }
    Ok(())
}

/// The JSON documents at `location` (`.json` files of a directory or archive, or the one document of a URL), each
/// parsed; a file that is not JSON is counted as skipped, naming it, and the rest go on.
pub(crate) fn json_documents(
    location: &str,
    stats: &mut Stats,
) -> Result<Vec<(String, serde_json::Value)>, DbError> {
    let mut files = Vec::new();
    for_each_input(location, &is_json, &mut |f: InputFile| files.push(f), stats)?;
    let mut docs = Vec::with_capacity(files.len());
    for file in files {
        match serde_json::from_slice(&file.bytes) {
            Ok(doc) => docs.push((file.name, doc)),
            Err(e) => stats.skip(format!("{}: bad JSON: {e}", file.name)),
        }
    }
    Ok(docs)
}

/// The English text of a CVE-style description list (`[{"lang": "en", "value": "..."}]`, as in CVE JSON 5 and
/// the NVD API): the first entry whose language is English (`en`, `en-US`, `en_GB`...), else the first entry.
pub(crate) fn english_description(descriptions: Option<&serde_json::Value>) -> Option<String> {
    let list = descriptions?.as_array()?;
    let is_english = |d: &&serde_json::Value| {
        d.get("lang")
            .and_then(serde_json::Value::as_str)
            .is_some_and(|l| {
                l.eq_ignore_ascii_case("en")
                    || l.get(..3).is_some_and(|p| {
                        p.eq_ignore_ascii_case("en-") || p.eq_ignore_ascii_case("en_")
                    })
            })
    };
    list.iter()
        .find(is_english)
        .or_else(|| list.first())
        .and_then(|d| d.get("value"))
        .and_then(serde_json::Value::as_str)
        .map(str::to_owned)
}

/// Accepts `.json`.
pub(crate) fn is_json(name: &str) -> bool {
    name.ends_with(".json")
}

/// Accepts `.yaml`/`.yml`.
pub(crate) fn is_yaml(name: &str) -> bool {
    name.ends_with(".yaml") || name.ends_with(".yml")
}

/// Parses JSON or YAML (by the file name) into `T`.
pub(crate) fn parse_doc<T: serde::de::DeserializeOwned>(file: &InputFile) -> Result<T, String> {
    let lower = file.name.to_ascii_lowercase();
    if is_yaml(&lower) {
        let text = std::str::from_utf8(&file.bytes)
            .map_err(|e| format!("{}: not UTF-8: {e}", file.name))?;
        serde_saphyr::from_str(text).map_err(|e| format!("{}: bad YAML: {e}", file.name))
    } else {
        serde_json::from_slice(&file.bytes).map_err(|e| format!("{}: bad JSON: {e}", file.name))
    }
}

/// A plausible version string: not empty, no whitespace or control characters.
pub(crate) fn plausible_version(v: &str) -> bool {
    !v.is_empty() && v.len() <= 256 && !v.chars().any(|c| c.is_whitespace() || c.is_control())
}

#[cfg(test)]
mod tests {
    use super::english_description;
    use serde_json::json;

    /// One picker for CVE JSON 5 and the NVD API (they used to disagree: NVD took only `en`, with no fallback).
    #[test]
    fn english_description_prefers_any_english_tag_then_the_first() {
        let pick = |v: serde_json::Value| english_description(Some(&v));
        assert_eq!(
            pick(json!([{"lang": "es", "value": "hola"}, {"lang": "en-US", "value": "hi"}])),
            Some("hi".to_owned())
        );
        assert_eq!(
            pick(json!([{"lang": "es", "value": "hola"}, {"lang": "EN", "value": "hi"}])),
            Some("hi".to_owned())
        );
        assert_eq!(
            pick(json!([{"lang": "eng", "value": "x"}, {"lang": "ens", "value": "y"}])),
            Some("x".to_owned()),
            "no English tag: the first entry"
        );
        assert_eq!(pick(json!([])), None);
        assert_eq!(pick(json!("not a list")), None);
        assert_eq!(english_description(None), None);
    }
}

#[cfg(test)]
mod kind_tests {
    use super::*;

    #[test]
    fn kinds_round_trip() {
        for k in FeedKind::ALL {
            assert_eq!(k.as_str().parse::<FeedKind>(), Ok(k));
        }
        let err = "nope".parse::<FeedKind>().expect_err("unknown");
        assert_eq!(err.value(), "nope");
        assert_eq!(
            err.to_string(),
            "unknown feed kind `nope` (expected one of: osv, alpine-secdb, debian-tracker, wolfi, ubuntu-vex, alas, \
             cve5, nvd, kev, epss)"
        );
    }

    #[test]
    fn source_spec_errors_are_typed() {
        assert_eq!(
            "alpine-secdb".parse::<SourceSpec>(),
            Err(ParseSourceSpecError::NoKind("alpine-secdb".into()))
        );
        assert_eq!(
            "osv= ".parse::<SourceSpec>(),
            Err(ParseSourceSpecError::EmptyLocation("osv= ".into()))
        );
        let err = "nope=/x".parse::<SourceSpec>().expect_err("kind");
        assert!(matches!(&err, ParseSourceSpecError::Kind(k) if k.value() == "nope"));
        assert!(err.to_string().starts_with("unknown feed kind `nope`"));
        assert_eq!(
            "alpine-secdb=./secdb".parse::<SourceSpec>(),
            Ok(SourceSpec {
                kind: FeedKind::AlpineSecdb,
                location: "./secdb".into()
            })
        );
    }
}
