//! `trawl db update`: fetch a built DB from an ordered list of locations, verify, swap in atomically.
//!
//! A location is either
//! - an HTTP(S) URL of the DB file, with its SHA-256 in a sidecar `URL.sha256` (`<hex>` or
//!   `<hex>  <name>`, as `sha256sum` writes it; a DB without a digest is refused), or
//! - an OCI artifact reference (`oci://registry/repo:tag`, or `registry/repo:tag`), pulled as
//!   [`crate::oci`] describes; the layer digest is the verified digest.
//!
//! Locations are tried in order; one that answers 429, 5xx, times out, cannot be reached, serves a corrupt or
//! stale DB or one that does not match its digest is skipped (the reason kept) and the next is tried. The
//! download goes to a temporary file beside the DB, is checked (digest, then opened as a DB of this schema
//! and, with a maximum age, young enough) and only then renamed over the DB: readers never see a half-written
//! file, and a failed update leaves the old DB in place.

use crate::{AdvisoryDb, DbError, http};
use sha2::{Digest as _, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// What to update and how.
#[derive(Debug, Clone)]
pub struct UpdateOptions {
    /// The DB file to replace.
    pub db_path: PathBuf,
    /// Locations, tried in order.
    pub locations: Vec<String>,
    /// With `Some`, an existing DB younger than this is kept as is (no download), and a downloaded DB older
    /// than this is refused.
    pub max_age: Option<Duration>,
    /// Download even if the current DB is young enough.
    pub force: bool,
    /// Overall timeout of one download.
    pub timeout: Duration,
    /// Talk plain HTTP to OCI registries (for local registries such as `127.0.0.1:5000`).
    pub plain_http: bool,
}

impl UpdateOptions {
    /// Options with the defaults: no max age, 10 minute timeout, HTTPS registries (plain HTTP for localhost).
    pub fn new(db_path: &Path, locations: Vec<String>) -> Self {
        UpdateOptions {
            db_path: db_path.to_owned(),
            locations,
            max_age: None,
            force: false,
            timeout: http::DEFAULT_TIMEOUT,
            plain_http: false,
        }
    }
}

/// The result of an update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UpdateOutcome {
    /// The current DB is young enough; nothing fetched.
    UpToDate {
        /// Its build time.
        built_at: String,
    },
    /// A new DB was swapped in.
    Updated {
        /// The location that served it.
        location: String,
        /// Its `sha256:` digest.
        digest: String,
        /// Its build time.
        built_at: String,
        /// Locations tried before it, with why they failed.
        skipped: Vec<String>,
    },
}

/// Age of a DB from its `built_at`, `None` when unparsable.
pub fn age_of(built_at: &str) -> Option<Duration> {
    let t = time::OffsetDateTime::parse(built_at, &time::format_description::well_known::Rfc3339)
        .ok()?;
    let d = time::OffsetDateTime::now_utc() - t;
    Some(Duration::from_secs(
        u64::try_from(d.whole_seconds()).unwrap_or(0),
    ))
}

/// Runs an update.
pub fn update(opts: &UpdateOptions) -> Result<UpdateOutcome, DbError> {
    if opts.locations.is_empty() {
        return Err(DbError::Usage(
            "no DB location: pass --db-repository URL_OR_OCI_REF (or set TRAWL_DB_REPOSITORY)"
                .to_owned(),
        ));
    }
    if !opts.force
        && let Some(max_age) = opts.max_age
        && let Ok(db) = AdvisoryDb::open(&opts.db_path)
        && age_of(&db.metadata().built_at).is_some_and(|a| a <= max_age)
    {
        return Ok(UpdateOutcome::UpToDate {
            built_at: db.metadata().built_at.clone(),
        });
    }
    let target = crate::db_destination(&opts.db_path)?;
    let dir = trawl_fs::parent_dir(&target);
    let mut failures = Vec::new();
    for location in &opts.locations {
        match try_location(location, &dir, opts) {
            Ok((tmp, digest, built_at)) => {
                tmp.persist(&target)
                    .map_err(|e| DbError::io(&target, e.error))?;
                crate::check::stamp(&target);
                tracing::info!("advisory DB updated from {location} ({digest})");
                return Ok(UpdateOutcome::Updated {
                    location: location.clone(),
                    digest,
                    built_at,
                    skipped: failures,
                });
            }
            Err(e) => {
                tracing::warn!("DB location {location} failed: {e}");
                failures.push(format!("{location}: {e}"));
            }
        }
    }
    Err(DbError::AllLocationsFailed(failures))
}

fn try_location(
    location: &str,
    dir: &Path,
    opts: &UpdateOptions,
) -> Result<(tempfile::NamedTempFile, String, String), DbError> {
    let mut tmp = trawl_fs::temp_file(dir, "db-update").map_err(|e| DbError::io(dir, e))?;
    let digest = if http::is_url(location) {
        fetch_http(location, &mut tmp, opts)?
    } else {
        let reference = location.strip_prefix("oci://").unwrap_or(location);
        crate::oci::pull_to(reference, tmp.as_file_mut(), opts.plain_http, opts.timeout)?
    };
    tmp.as_file_mut()
        .sync_all()
        .map_err(|e| DbError::io(tmp.path(), e))?;
    let db = crate::check::full(tmp.path())
        .and_then(|()| AdvisoryDb::open_checked(tmp.path()))
        .map_err(|e| DbError::Invalid {
            path: PathBuf::from(location),
            message: format!("downloaded file is not a usable DB: {e}"),
        })?;
    let built_at = db.metadata().built_at.clone();
    drop(db);
    if let Some(max_age) = opts.max_age
        && age_of(&built_at).is_none_or(|a| a > max_age)
    {
        return Err(DbError::Invalid {
            path: PathBuf::from(location),
            message: format!(
                "DB built at {built_at} is older than the maximum age {}s",
                max_age.as_secs()
            ),
        });
    }
    Ok((tmp, digest, built_at))
}

/// Downloads `url` into `tmp`, checking it against `url.sha256`.
fn fetch_http(
    url: &str,
    tmp: &mut tempfile::NamedTempFile,
    opts: &UpdateOptions,
) -> Result<String, DbError> {
    let agent = http::agent(opts.timeout);
    let sidecar = format!("{url}.sha256");
    let expected_text = http::get_bytes(&agent, &sidecar)?;
    let expected = String::from_utf8_lossy(&expected_text)
        .split_whitespace()
        .next()
        .map(|s| s.trim_start_matches("sha256:").to_ascii_lowercase())
        .filter(|s| s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit()))
        .ok_or_else(|| DbError::Invalid {
            path: PathBuf::from(&sidecar),
            message: "no SHA-256 hex digest in the sidecar".to_owned(),
        })?;
    let mut hashing = HashingWriter {
        inner: tmp.as_file_mut(),
        hasher: Sha256::new(),
    };
    http::get_to_writer(&agent, url, &mut hashing)?;
    let actual = hex::encode(hashing.hasher.finalize());
    if actual != expected {
        return Err(DbError::Digest {
            location: url.to_owned(),
            expected: format!("sha256:{expected}"),
            actual: format!("sha256:{actual}"),
        });
    }
    Ok(format!("sha256:{actual}"))
}

/// Writes through while hashing.
pub(crate) struct HashingWriter<'a, W: Write> {
    pub(crate) inner: &'a mut W,
    pub(crate) hasher: Sha256,
}

impl<W: Write> Write for HashingWriter<'_, W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// SHA-256 of a file, `sha256:<hex>`.
pub fn file_digest(path: &Path) -> Result<String, DbError> {
    let mut f = std::fs::File::open(path).map_err(|e| DbError::io(path, e))?;
    let mut hasher = Sha256::new();
    std::io::copy(&mut f, &mut hasher).map_err(|e| DbError::io(path, e))?;
    Ok(format!("sha256:{}", hex::encode(hasher.finalize())))
}
