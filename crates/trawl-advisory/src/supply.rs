//! A DB built straight from the publishers, for what a scan needs: the vendor feed of each OS release in the
//! inventory, the OSV records that name its language packages, CVE records (titles, severities) for what
//! matched, KEV and EPSS. Raw downloads live in a [`FeedCache`] (conditional GETs: a second run with nothing
//! changed upstream transfers no payload); the DB is rebuilt from everything cached only when something changed,
//! written atomically, so a failed refresh leaves the previous DB in use.

use crate::fetch::{FeedCache, FetchPolicy, FetchStatus, Fetched, validate};
use crate::upstream::{Locations, UpstreamKind, cve5_path};
use crate::{AdvisoryDb, DbError, FeedKind, FeedOrigin, SourceSpec};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// What a scan's inventory needs from upstream.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Needs {
    /// OS advisory namespaces (`Alpine:v3.20`, `Debian:12`, `Ubuntu:22.04`...).
    pub os_namespaces: BTreeSet<String>,
    /// Language packages as (OSV ecosystem, name).
    pub packages: BTreeSet<(String, String)>,
    /// Everything every feed carries (a full DB, as published): every Alpine release, the Debian tracker,
    /// Wolfi, every OSV ecosystem without a vendor feed of its own, and the CVE records of a local cvelistV5
    /// checkout.
    pub everything: bool,
}

/// OS families read from their vendor's own feed rather than from OSV.
const VENDOR_FEEDS: &[&str] = &["Alpine", "Debian", "Wolfi"];

/// How to supply.
#[derive(Debug, Clone)]
pub struct SupplyOptions {
    /// The raw download cache (`CACHE_DIR/feeds`).
    pub cache_dir: PathBuf,
    /// The DB to (re)build.
    pub db_path: PathBuf,
    /// Where each feed lives.
    pub locations: Locations,
    /// A cached resource younger than this is used without asking.
    pub max_age: Duration,
    /// Cached data only.
    pub offline: bool,
    /// Overall timeout of one download.
    pub timeout: Duration,
    /// Told how each download goes (a terminal's progress bar).
    pub progress: Option<crate::fetch::Progress>,
}

/// One line of the supply log: one resource of one feed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedLine {
    /// The feed kind (`alpine-secdb`, `osv`...).
    pub feed: String,
    /// The resource's URL or path.
    pub url: String,
    /// `fresh`, `not-modified`, `downloaded`, `absent`, `offline`, `failed`.
    pub status: String,
    /// Payload bytes transferred.
    pub bytes: u64,
    /// Why it failed or was skipped (one line).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// What a supply did.
#[derive(Debug, Clone, Default)]
pub struct SupplyOutcome {
    /// Every resource asked for.
    pub lines: Vec<FeedLine>,
    /// Whether the DB was rebuilt.
    pub rebuilt: bool,
    /// Payload bytes transferred in all.
    pub bytes: u64,
}

impl SupplyOutcome {
    /// Lines of resources that could not be had (no usable copy at all, or a refresh failed).
    pub fn problems(&self) -> impl Iterator<Item = &FeedLine> {
        self.lines.iter().filter(|l| l.reason.is_some())
    }
}

/// The state kept beside the cache: what the last build covered.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct State {
    /// Resources (cache-relative paths) the DB at `db` was built from.
    #[serde(default)]
    built_from: BTreeSet<String>,
    /// OSV record IDs each queried package had, by `ECOSYSTEM/name`, with when it was asked.
    #[serde(default)]
    packages: BTreeMap<String, PackageQuery>,
    /// CVE IDs whose records are cached or known absent.
    #[serde(default)]
    cves: BTreeSet<String>,
    /// CVE records the publisher answered 404 for, with when.
    #[serde(default)]
    absent: BTreeMap<String, u64>,
    /// Per OSV ecosystem of a full build, the newest `modified` its DB holds (from `modified_id.csv`).
    #[serde(default)]
    osv_newest: BTreeMap<String, String>,
    /// EPSS scores asked of the API: CVE -> (score, percentile, score date, when asked).
    #[serde(default)]
    epss: BTreeMap<String, (String, String, String, u64)>,
}

/// More changed records than this in one ecosystem: its `all.zip` is fetched instead, and the DB built afresh.
const MAX_DELTA_RECORDS: usize = 20_000;

/// The OSV side of a full build: built afresh from every `all.zip`, or the records changed since the last one.
#[derive(Debug, Default)]
struct OsvDelta {
    full: bool,
    /// Cache-relative paths of the changed records fetched this run.
    records: Vec<String>,
}

/// The (modified, ID) rows of a `modified_id.csv` newer than `after`, and the newest `modified` of all.
fn modified_since(csv: &str, after: Option<&str>) -> (Vec<(String, String)>, Option<String>) {
    let mut newer = Vec::new();
    let mut newest: Option<String> = None;
    for line in csv.lines() {
        let Some((m, id)) = line.trim().split_once(',') else {
            continue;
        };
        let (m, id) = (m.trim(), id.trim());
        if m.is_empty() || id.is_empty() {
            continue;
        }
        if newest.as_deref().is_none_or(|n| m > n) {
            newest = Some(m.to_owned());
        }
        if after.is_some_and(|a| m > a) {
            newer.push((m.to_owned(), id.to_owned()));
        }
    }
    (newer, newest)
}

/// Refreshes the DB in place with what changed since it was built: every vendor feed that was downloaded anew
/// (whole: a record of one release must not drop the others'), KEV, EPSS, and the changed OSV records. Returns
/// whether anything was applied.
fn refresh_from_cache(
    opts: &SupplyOptions,
    cache: &FeedCache,
    lines: &[FeedLine],
    records: &[String],
) -> Result<bool, DbError> {
    let dir = cache.dir();
    let downloaded: BTreeSet<&str> = lines
        .iter()
        .filter(|l| l.status == "downloaded")
        .map(|l| l.feed.as_str())
        .collect();
    let mut specs = Vec::new();
    for (feed, kind, rel) in [
        ("alpine-secdb", FeedKind::AlpineSecdb, "alpine-secdb"),
        (
            "debian-tracker",
            FeedKind::DebianTracker,
            "debian-tracker/tracker.json",
        ),
        ("wolfi", FeedKind::Wolfi, "wolfi/security.json"),
        ("alas", FeedKind::Alas, "alas"),
        (
            "kev",
            FeedKind::Kev,
            "kev/known_exploited_vulnerabilities.json",
        ),
        ("epss", FeedKind::Epss, "epss/epss_scores-current.csv.gz"),
    ] {
        if downloaded.contains(feed) && dir.join(rel).exists() {
            specs.push(SourceSpec {
                kind,
                location: dir.join(rel).display().to_string(),
            });
        }
    }
    // This run's changed records only, in a directory of their own.
    let staging = tempfile::Builder::new()
        .prefix(".trawl-osv-delta-")
        .tempdir_in(dir)
        .map_err(|e| DbError::io(dir, e))?;
    let mut any_record = false;
    for rel in records {
        let from = dir.join(rel);
        if !from.is_file() {
            continue;
        }
        let to = staging.path().join(rel.replace('/', "_"));
        std::fs::copy(&from, &to).map_err(|e| DbError::io(&from, e))?;
        any_record = true;
    }
    if any_record {
        specs.push(SourceSpec {
            kind: FeedKind::Osv,
            location: staging.path().display().to_string(),
        });
    }
    if specs.is_empty() {
        tracing::info!("{}: nothing changed upstream", opts.db_path.display());
        return Ok(false);
    }
    tracing::info!(
        "{}: refreshing with {} changed feed(s) and {} changed OSV record(s)",
        opts.db_path.display(),
        specs.len() - usize::from(any_record),
        records.len()
    );
    crate::refresh_with_origins(
        &opts.db_path,
        &specs,
        &opts.db_path,
        Some(origins(opts, cache, lines)),
    )?;
    Ok(true)
}

/// Where the scores asked of the EPSS API are kept, as an EPSS CSV the build reads.
const EPSS_API_CSV: &str = "epss/api/epss_scores-asked.csv";

/// Asks FIRST's EPSS API for the scores of `cves` not asked within the maximum age (100 a request), and writes
/// every score known into [`EPSS_API_CSV`]. Returns whether a score changed.
fn epss_scores(
    cache: &FeedCache,
    locations: &Locations,
    policy: FetchPolicy,
    cves: &[String],
    state: &mut State,
    out: &mut SupplyOutcome,
) -> bool {
    #[derive(Deserialize)]
    struct Answer {
        #[serde(default)]
        data: Vec<Score>,
    }
    #[derive(Deserialize)]
    struct Score {
        cve: String,
        epss: String,
        percentile: String,
        #[serde(default)]
        date: String,
    }
    let now = trawl_types::time::unix_now();
    let wanted: Vec<&String> = cves
        .iter()
        .filter(|c| c.starts_with("CVE-") && !c.contains(['/', '&', '?', '#', ',']))
        .filter(|c| {
            state
                .epss
                .get(c.as_str())
                .is_none_or(|e| now.saturating_sub(e.3) >= policy.max_age.as_secs())
        })
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let base = locations.url(UpstreamKind::EpssApi, "");
    let mut changed = false;
    for chunk in wanted.chunks(100) {
        let ids: Vec<&str> = chunk.iter().map(|c| c.as_str()).collect();
        let url = format!("{base}?cve={}&limit=100", ids.join(","));
        let line = match cache
            .get_bytes(&url)
            .map_err(|e| e.to_string())
            .and_then(|b| {
                serde_json::from_slice::<Answer>(&b)
                    .map(|a| (a, b.len()))
                    .map_err(|e| format!("{url}: bad answer: {e}"))
            }) {
            Ok((answer, bytes)) => {
                for id in &ids {
                    // A CVE with no score yet is remembered as asked.
                    let entry = state
                        .epss
                        .entry((*id).to_owned())
                        .or_insert_with(|| (String::new(), String::new(), String::new(), now));
                    entry.3 = now;
                }
                for sc in answer.data {
                    if let Some(e) = state.epss.get_mut(&sc.cve)
                        && (e.0 != sc.epss || e.1 != sc.percentile)
                    {
                        *e = (sc.epss, sc.percentile, sc.date, now);
                        changed = true;
                    }
                }
                tracing::info!(
                    "feed epss-api {base}: {} CVE(s) asked, {bytes} bytes",
                    ids.len()
                );
                FeedLine {
                    feed: "epss-api".to_owned(),
                    url: base.clone(),
                    status: "downloaded".to_owned(),
                    bytes: bytes as u64,
                    reason: None,
                }
            }
            Err(e) => {
                let reason = format!("{e} (scores asked before stay in use)");
                tracing::warn!("feed epss-api {base}: failed: {reason}");
                FeedLine {
                    feed: "epss-api".to_owned(),
                    url: base.clone(),
                    status: "failed".to_owned(),
                    bytes: 0,
                    reason: Some(reason),
                }
            }
        };
        let failed = line.reason.is_some();
        out.lines.push(line);
        if failed {
            break;
        }
    }
    let path = cache.dir().join(EPSS_API_CSV);
    if changed || (!path.is_file() && state.epss.values().any(|e| !e.0.is_empty())) {
        let date = state
            .epss
            .values()
            .map(|e| e.2.as_str())
            .max()
            .unwrap_or_default();
        let mut csv = format!("#model_version:api,score_date:{date}\ncve,epss,percentile\n");
        for (cve, (score, pct, _, _)) in &state.epss {
            if !score.is_empty() {
                csv.push_str(&format!("{cve},{score},{pct}\n"));
            }
        }
        let write = || -> std::io::Result<()> {
            let dir = trawl_fs::parent_dir(&path);
            std::fs::create_dir_all(&dir)?;
            let mut tmp = tempfile::Builder::new()
                .prefix(".trawl-epss-")
                .suffix(".tmp")
                .tempfile_in(&dir)?;
            std::io::Write::write_all(&mut tmp, csv.as_bytes())?;
            tmp.persist(&path).map_err(|e| e.error)?;
            Ok(())
        };
        if let Err(e) = write() {
            tracing::warn!("{}: cannot save the EPSS scores: {e}", path.display());
            return false;
        }
        changed = true;
    }
    changed
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct PackageQuery {
    checked_at: u64,
    ids: Vec<(String, String)>,
}

/// Per package of a query batch, the (ID, modified) of the records that name it.
type BatchAnswers = Vec<Vec<(String, String)>>;

const STATE: &str = "state.json";

/// Builds (or keeps) the DB at `opts.db_path` for `needs`. `matched_cves` is called with the DB once it holds
/// the needed feeds and returns the CVE IDs the scan matched, whose CVE records (titles, severities) are then
/// fetched too.
///
/// A feed that cannot be had is a line with a reason (the previous copy stays in use); only a failure to write
/// the DB is an error.
pub fn supply(
    opts: &SupplyOptions,
    needs: &Needs,
    matched_cves: &mut dyn FnMut(&AdvisoryDb) -> Vec<String>,
) -> Result<SupplyOutcome, DbError> {
    std::fs::create_dir_all(&opts.cache_dir).map_err(|e| DbError::io(&opts.cache_dir, e))?;
    let cache = FeedCache::new(&opts.cache_dir, opts.timeout).with_progress(opts.progress.clone());
    let policy = FetchPolicy {
        max_age: opts.max_age,
        offline: opts.offline,
    };
    let mut state = load_state(&opts.cache_dir);
    let mut out = SupplyOutcome::default();
    let mut changed = false;
    let mut needed: BTreeSet<String> = BTreeSet::new();
    let mut s = Supplier {
        cache: &cache,
        locations: &opts.locations,
        policy,
        out: &mut out,
        changed: &mut changed,
        needed: &mut needed,
    };

    // Global enrichment: small documents every scan benefits from.
    s.get(
        UpstreamKind::Kev,
        "",
        "kev/known_exploited_vulnerabilities.json",
        &validate::json,
    );
    // EPSS: the whole file (~3 MB gzip'd) for a full build or when there is no API to ask (an offline copy); a
    // scan otherwise asks FIRST's API for the scores of what it matched (below).
    let epss_api = !opts.offline
        && !needs.everything
        && crate::http::is_url(&opts.locations.url(UpstreamKind::EpssApi, ""));
    if !epss_api {
        s.get(
            UpstreamKind::Epss,
            "",
            "epss/epss_scores-current.csv.gz",
            &validate::gzip,
        );
    }

    let mut osv_ecosystems: Option<Vec<String>> = None;
    let mut namespaces = needs.os_namespaces.clone();
    if needs.everything {
        for release in s.alpine_releases() {
            namespaces.insert(format!("Alpine:{release}"));
        }
        namespaces.insert("Debian".to_owned());
        namespaces.insert("Wolfi".to_owned());
        namespaces.insert("Amazon Linux:2".to_owned());
        namespaces.insert("Amazon Linux:2023".to_owned());
    }
    for ns in &namespaces {
        let (family, release) = ns.split_once(':').unwrap_or((ns.as_str(), ""));
        match family {
            "Alpine" if !release.is_empty() => {
                for repo in ["main", "community"] {
                    let path = format!("{release}/{repo}.json");
                    s.get(
                        UpstreamKind::AlpineSecdb,
                        &path,
                        &format!("alpine-secdb/{path}"),
                        &validate::json,
                    );
                }
            }
            "Debian" => {
                s.get(
                    UpstreamKind::DebianTracker,
                    "",
                    "debian-tracker/tracker.json",
                    &validate::json,
                );
            }
            "Wolfi" => {
                s.get(
                    UpstreamKind::Wolfi,
                    "",
                    "wolfi/security.json",
                    &validate::json,
                );
            }
            "Amazon Linux" => s.alas(release),
            _ => {
                // Everything else the OSV bucket carries, per release where it has one.
                let ecos = osv_ecosystems.get_or_insert_with(|| s.osv_ecosystems());
                let mut wanted: Vec<&String> = ecos
                    .iter()
                    .filter(|e| *e == ns || e.starts_with(&format!("{ns}:")))
                    .collect();
                if wanted.is_empty() {
                    wanted = ecos.iter().filter(|e| e.as_str() == family).collect();
                }
                if wanted.is_empty() {
                    s.out.lines.push(FeedLine {
                        feed: "osv".to_owned(),
                        url: opts.locations.url(UpstreamKind::Osv, "ecosystems.txt"),
                        status: "absent".to_owned(),
                        bytes: 0,
                        reason: Some(format!(
                            "no OSV ecosystem for {ns}: its packages are not matched"
                        )),
                    });
                }
                let wanted: Vec<String> = wanted.into_iter().cloned().collect();
                for eco in wanted {
                    let path = format!("{}/all.zip", crate::http::encode_segment(&eco));
                    s.get(
                        UpstreamKind::Osv,
                        &path,
                        &format!("osv/{eco}/all.zip"),
                        &validate::zip,
                    );
                }
            }
        }
    }

    let mut osv_delta = OsvDelta::default();
    if needs.everything {
        let ecos: Vec<String> = osv_ecosystems
            .get_or_insert_with(|| s.osv_ecosystems())
            .iter()
            .filter(|e| !VENDOR_FEEDS.contains(&e.split(':').next().unwrap_or_default()))
            .cloned()
            .collect();
        // A DB a week old is built afresh (CVE records from a checkout are only read then).
        let recent = AdvisoryDb::open(&opts.db_path).ok().is_some_and(|db| {
            crate::update::age_of(&db.metadata().built_at)
                .is_some_and(|a| a < Duration::from_secs(7 * 24 * 3600))
        });
        osv_delta = s.osv_everything(&ecos, &mut state, recent);
    }
    let api = opts.locations.url(UpstreamKind::OsvApi, "");
    if crate::http::is_url(&api) {
        s.osv_packages(&needs.packages, &mut state);
    } else {
        // No OSV API (an air-gapped copy): each language ecosystem's whole `all.zip` instead.
        let ecos: BTreeSet<&String> = needs.packages.iter().map(|(eco, _)| eco).collect();
        for eco in ecos {
            let path = format!("{}/all.zip", crate::http::encode_segment(eco));
            s.get(
                UpstreamKind::Osv,
                &path,
                &format!("osv/{eco}/all.zip"),
                &validate::zip,
            );
        }
    }
    // A full build reads the CVE records of a local cvelistV5 checkout whole (a quarter million files are not
    // fetched one by one).
    let cve_dir = opts.locations.url(UpstreamKind::Cve5, "");
    let cve_dir = (needs.everything && !crate::http::is_url(&cve_dir))
        .then(|| PathBuf::from(cve_dir.strip_prefix("file://").unwrap_or(&cve_dir)))
        .filter(|d| d.is_dir());
    if needs.everything && cve_dir.is_none() {
        let line = FeedLine {
            feed: "cve5".to_owned(),
            url: opts.locations.url(UpstreamKind::Cve5, ""),
            status: "absent".to_owned(),
            bytes: 0,
            reason: Some(
                "a full build reads CVE records (titles, severities) from a local cvelistV5 checkout: \
                 --feed cve5=DIR"
                    .to_owned(),
            ),
        };
        tracing::warn!(
            "feed cve5 {}: {}",
            line.url,
            line.reason.as_deref().unwrap_or_default()
        );
        out.lines.push(line);
    }
    if needs.everything {
        // Everything is in hand: a full build, or a refresh of the base with what changed.
        if osv_delta.full {
            build_from_cache_with(opts, &cache, &mut state, &out.lines, cve_dir.as_deref())?;
            out.rebuilt = true;
        } else {
            out.rebuilt = refresh_from_cache(opts, &cache, &out.lines, &osv_delta.records)?;
        }
        save_state(&opts.cache_dir, &state);
        out.bytes = out.lines.iter().map(|l| l.bytes).sum();
        return Ok(out);
    }
    let have_all = needed.iter().all(|r| state.built_from.contains(r));
    if changed || !have_all || !opts.db_path.is_file() {
        build_from_cache(opts, &cache, &mut state, &out.lines)?;
        out.rebuilt = true;
    }

    // CVE records for what matched (titles and severities), then a rebuild if any arrived.
    let cves = match AdvisoryDb::open(&opts.db_path) {
        Ok(db) => matched_cves(&db),
        Err(e) => return Err(e),
    };
    let mut more = false;
    let mut s = Supplier {
        cache: &cache,
        locations: &opts.locations,
        policy,
        out: &mut out,
        changed: &mut more,
        needed: &mut BTreeSet::new(),
    };
    for cve in cves.iter().collect::<BTreeSet<_>>() {
        let Some(path) = cve5_path(cve) else { continue };
        let known = state.cves.contains(cve.as_str());
        if known && cache.cached(&format!("cve5/{path}")).is_none() && policy.offline {
            continue;
        }
        // A record the publisher does not have (yet) is not asked again within the maximum age.
        let now = trawl_types::time::unix_now();
        if state
            .absent
            .get(cve.as_str())
            .is_some_and(|t| now.saturating_sub(*t) < policy.max_age.as_secs())
        {
            continue;
        }
        let f = s.get(
            UpstreamKind::Cve5,
            &path,
            &format!("cve5/{path}"),
            &validate::json,
        );
        if f.status == FetchStatus::Absent {
            state.absent.insert(cve.clone(), now);
        } else {
            state.absent.remove(cve.as_str());
        }
        state.cves.insert(cve.clone());
    }
    if epss_api && epss_scores(&cache, &opts.locations, policy, &cves, &mut state, &mut out) {
        more = true;
    }
    if more {
        build_from_cache(opts, &cache, &mut state, &out.lines)?;
        out.rebuilt = true;
    }
    save_state(&opts.cache_dir, &state);
    out.bytes = out.lines.iter().map(|l| l.bytes).sum();
    Ok(out)
}

struct Supplier<'a> {
    cache: &'a FeedCache,
    locations: &'a Locations,
    policy: FetchPolicy,
    out: &'a mut SupplyOutcome,
    changed: &'a mut bool,
    needed: &'a mut BTreeSet<String>,
}

impl Supplier<'_> {
    /// Fetches one resource, logs one line, notes whether it changed.
    fn get(
        &mut self,
        kind: UpstreamKind,
        path: &str,
        rel: &str,
        check: &crate::fetch::Validator,
    ) -> Fetched {
        let url = self.locations.url(kind, path);
        self.get_url(kind, url, rel, check)
    }

    /// [`Supplier::get`] of a full URL (one a publisher's index pointed to).
    fn get_url(
        &mut self,
        kind: UpstreamKind,
        url: String,
        rel: &str,
        check: &crate::fetch::Validator,
    ) -> Fetched {
        let f = self.cache.fetch(&url, rel, self.policy, check);
        self.needed.insert(rel.to_owned());
        let (status, bytes, reason) = match &f.status {
            FetchStatus::Fresh => ("fresh", 0, None),
            FetchStatus::NotModified => ("not-modified", 0, None),
            FetchStatus::Downloaded(n) => ("downloaded", *n, None),
            FetchStatus::Absent => ("absent", 0, None),
            FetchStatus::Offline if f.path.is_some() => ("offline", 0, None),
            FetchStatus::Offline => ("offline", 0, Some("offline and not cached".to_owned())),
            FetchStatus::Failed(e) => (
                "failed",
                0,
                Some(if f.path.is_some() {
                    format!("{e} (the copy fetched before stays in use)")
                } else {
                    format!("{e} (no copy: this feed's data is missing)")
                }),
            ),
        };
        if f.status.changed() {
            *self.changed = true;
        }
        let line = FeedLine {
            feed: kind.as_str().to_owned(),
            url,
            status: status.to_owned(),
            bytes,
            reason,
        };
        match &line.reason {
            Some(r) => tracing::warn!("feed {} {}: {status}: {r}", line.feed, line.url),
            None => tracing::info!(
                "feed {} {}: {status}{}",
                line.feed,
                line.url,
                if bytes > 0 {
                    format!(", {bytes} bytes")
                } else {
                    String::new()
                }
            ),
        }
        self.out.lines.push(line);
        f
    }

    /// The releases the Alpine secdb carries (`v3.20`, `edge`...): the directories of a local copy, or the
    /// links of the site's index page.
    fn alpine_releases(&mut self) -> Vec<String> {
        let base = self.locations.url(UpstreamKind::AlpineSecdb, "");
        let names: Vec<String> = if crate::http::is_url(&base) {
            let f = self.get(
                UpstreamKind::AlpineSecdb,
                "/",
                "alpine-secdb/index.html",
                &validate::text,
            );
            f.path
                .and_then(|p| read_index(&p))
                .map(|html| {
                    html.split("href=\"")
                        .skip(1)
                        .filter_map(|rest| rest.split('"').next())
                        .map(|h| {
                            h.trim_end_matches('/')
                                .rsplit('/')
                                .next()
                                .unwrap_or_default()
                                .to_owned()
                        })
                        .collect()
                })
                .unwrap_or_default()
        } else {
            let dir = Path::new(base.strip_prefix("file://").unwrap_or(&base));
            std::fs::read_dir(dir)
                .map(|rd| {
                    rd.flatten()
                        .filter(|e| e.path().is_dir())
                        .map(|e| e.file_name().to_string_lossy().into_owned())
                        .collect()
                })
                .unwrap_or_default()
        };
        let mut releases: Vec<String> = names
            .into_iter()
            .filter(|n| n == "edge" || is_alpine_release(n))
            .collect();
        releases.sort();
        releases.dedup();
        if releases.is_empty() {
            tracing::warn!(
                "feed alpine-secdb {base}: no release listed (expected v3.x directories)"
            );
        }
        releases
    }

    /// Amazon Linux's `updateinfo.xml` of `release` (`2`, `2023`): the repository's `mirror.list` names the
    /// current mirror, whose `repodata/repomd.xml` names the updateinfo file. A local copy (an offline bundle)
    /// holds `<release>/updateinfo.xml.gz` directly. Only the file the build reads goes under `alas/`.
    fn alas(&mut self, release: &str) {
        let rel = format!("alas/{release}/updateinfo.xml.gz");
        let base = self.locations.url(UpstreamKind::Alas, "");
        if !crate::http::is_url(&base) {
            self.get(
                UpstreamKind::Alas,
                &format!("{release}/updateinfo.xml.gz"),
                &rel,
                &validate::gzip,
            );
            return;
        }
        let list = match release {
            "2" => "2/core/latest/x86_64/mirror.list",
            "2023" => "al2023/core/mirrors/latest/x86_64/mirror.list",
            _ => {
                self.out.lines.push(FeedLine {
                    feed: "alas".to_owned(),
                    url: base,
                    status: "absent".to_owned(),
                    bytes: 0,
                    reason: Some(format!(
                        "Amazon Linux {release}: only Amazon Linux 2 and 2023 repositories are read (Amazon \
                         Linux 1 is past its end of life): its packages are not matched"
                    )),
                });
                return;
            }
        };
        let f = self.get(
            UpstreamKind::Alas,
            list,
            &format!("alas-meta/{release}/mirror.list"),
            &validate::text,
        );
        let Some(mirror) = f.path.and_then(|p| read_index(&p)).and_then(|t| {
            t.lines()
                .map(str::trim)
                .find(|l| !l.is_empty() && !l.starts_with('#'))
                .map(|l| l.trim_end_matches('/').to_owned())
        }) else {
            return;
        };
        let f = self.get_url(
            UpstreamKind::Alas,
            format!("{mirror}/repodata/repomd.xml"),
            &format!("alas-meta/{release}/repomd.xml"),
            &validate::text,
        );
        let href = f
            .path
            .and_then(|p| read_index(&p))
            .and_then(|xml| updateinfo_href(&xml));
        let Some(href) =
            href.filter(|h| !h.contains("..") && !h.starts_with('/') && !h.contains("://"))
        else {
            self.out.lines.push(FeedLine {
                feed: "alas".to_owned(),
                url: format!("{mirror}/repodata/repomd.xml"),
                status: "absent".to_owned(),
                bytes: 0,
                reason: Some("no updateinfo listed in the repository metadata".to_owned()),
            });
            return;
        };
        if href.ends_with(".gz") {
            self.get_url(
                UpstreamKind::Alas,
                format!("{mirror}/{href}"),
                &rel,
                &validate::gzip,
            );
        } else {
            self.get_url(
                UpstreamKind::Alas,
                format!("{mirror}/{href}"),
                &format!("alas/{release}/updateinfo.xml"),
                &validate::text,
            );
        }
    }

    /// The OSV side of a full build. With a recent DB and each ecosystem's newest `modified` known, only the
    /// records `modified_id.csv` lists as newer are fetched; otherwise (or when one ecosystem changed too much)
    /// every `all.zip`, and the DB is built afresh.
    fn osv_everything(&mut self, ecos: &[String], state: &mut State, recent: bool) -> OsvDelta {
        let mut delta = OsvDelta {
            full: !recent,
            records: Vec::new(),
        };
        let mut newest: BTreeMap<String, String> = BTreeMap::new();
        if !delta.full {
            for eco in ecos {
                let seg = crate::http::encode_segment(eco);
                let last = state.osv_newest.get(eco).cloned();
                if last.is_none() || self.cache.cached(&format!("osv/{eco}/all.zip")).is_none() {
                    delta.full = true;
                    break;
                }
                let f = self.get(
                    UpstreamKind::Osv,
                    &format!("{seg}/modified_id.csv"),
                    &format!("osv/{eco}/modified_id.csv"),
                    &validate::text,
                );
                let Some(csv) = f.path.and_then(|p| read_index(&p)) else {
                    delta.full = true;
                    break;
                };
                let (newer, top) = modified_since(&csv, last.as_deref());
                if newer.len() > MAX_DELTA_RECORDS {
                    delta.full = true;
                    break;
                }
                for (_, id) in &newer {
                    if id.contains(['/', '\\']) || id.contains("..") {
                        continue;
                    }
                    let rel = format!("osv-delta/{eco}/{id}.json");
                    let policy = self.policy;
                    self.policy.max_age = Duration::ZERO;
                    let f = self.get(
                        UpstreamKind::Osv,
                        &format!("{seg}/{id}.json"),
                        &rel,
                        &validate::json,
                    );
                    self.policy = policy;
                    if f.path.is_some() {
                        delta.records.push(rel);
                    }
                }
                if let Some(t) = top.or(last) {
                    newest.insert(eco.clone(), t);
                }
            }
        }
        if delta.full {
            delta.records.clear();
            newest.clear();
            // Every all.zip as it is now holds every change: the records fetched one by one are done with.
            let _ = std::fs::remove_dir_all(self.cache.dir().join("osv-delta"));
            for eco in ecos {
                let seg = crate::http::encode_segment(eco);
                // The list first: what it names is in the archive fetched after it.
                let f = self.get(
                    UpstreamKind::Osv,
                    &format!("{seg}/modified_id.csv"),
                    &format!("osv/{eco}/modified_id.csv"),
                    &validate::text,
                );
                if let Some(top) = f
                    .path
                    .and_then(|p| read_index(&p))
                    .and_then(|csv| modified_since(&csv, None).1)
                {
                    newest.insert(eco.clone(), top);
                }
                self.get(
                    UpstreamKind::Osv,
                    &format!("{seg}/all.zip"),
                    &format!("osv/{eco}/all.zip"),
                    &validate::zip,
                );
            }
        }
        state.osv_newest = newest;
        delta
    }

    /// The OSV bucket's ecosystem list (cached like any resource).
    fn osv_ecosystems(&mut self) -> Vec<String> {
        let f = self.get(
            UpstreamKind::Osv,
            "ecosystems.txt",
            "osv/ecosystems.txt",
            &validate::text,
        );
        f.path
            .and_then(|p| read_index(&p))
            .map(|t| {
                t.lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Asks the OSV API which records name each package (those not asked within the maximum age), then fetches
    /// each record from the bucket.
    fn osv_packages(&mut self, packages: &BTreeSet<(String, String)>, state: &mut State) {
        let now = trawl_types::time::unix_now();
        let stale: Vec<&(String, String)> = packages
            .iter()
            .filter(|(eco, name)| {
                state
                    .packages
                    .get(&format!("{eco}/{name}"))
                    .is_none_or(|q| {
                        now.saturating_sub(q.checked_at) >= self.policy.max_age.as_secs()
                    })
            })
            .collect();
        if !stale.is_empty() && !self.policy.offline {
            let url = self.locations.url(UpstreamKind::OsvApi, "v1/querybatch");
            for chunk in stale.chunks(1000) {
                match query_batch(self.cache, &url, chunk) {
                    Ok((answers, bytes)) => {
                        tracing::info!(
                            "feed osv-api {url}: {} package(s) asked, {bytes} bytes",
                            chunk.len()
                        );
                        self.out.lines.push(FeedLine {
                            feed: "osv-api".to_owned(),
                            url: url.clone(),
                            status: "downloaded".to_owned(),
                            bytes,
                            reason: None,
                        });
                        for ((eco, name), ids) in chunk.iter().zip(answers) {
                            state.packages.insert(
                                format!("{eco}/{name}"),
                                PackageQuery {
                                    checked_at: now,
                                    ids,
                                },
                            );
                        }
                    }
                    Err(e) => {
                        let reason = format!("{e} (records fetched before stay in use)");
                        tracing::warn!("feed osv-api {url}: failed: {reason}");
                        self.out.lines.push(FeedLine {
                            feed: "osv-api".to_owned(),
                            url: url.clone(),
                            status: "failed".to_owned(),
                            bytes: 0,
                            reason: Some(reason),
                        });
                        break;
                    }
                }
            }
        }
        let mut records: BTreeMap<(String, String), String> = BTreeMap::new();
        for (eco, name) in packages {
            if let Some(q) = state.packages.get(&format!("{eco}/{name}")) {
                for (id, modified) in &q.ids {
                    records.insert((eco.clone(), id.clone()), modified.clone());
                }
            }
        }
        for ((eco, id), modified) in records {
            if id.contains('/') || id.contains("..") {
                continue;
            }
            let rel = format!("osv/records/{eco}/{id}.json");
            // The API said when the record last changed: a cached copy at least that new needs no request.
            if !modified.is_empty()
                && let Some(p) = self.cache.cached(&rel)
                && record_modified(&p).is_some_and(|m| m >= modified)
            {
                self.needed.insert(rel);
                continue;
            }
            let path = format!("{}/{id}.json", crate::http::encode_segment(&eco));
            let policy = self.policy;
            // The answer is newer than the copy: ask again whatever the maximum age.
            self.policy.max_age = Duration::ZERO;
            self.get(UpstreamKind::Osv, &path, &rel, &validate::json);
            self.policy = policy;
        }
    }
}

/// Most bytes of an index a publisher serves (secdb index page, `mirror.list`, `repomd.xml`, `ecosystems.txt`,
/// `modified_id.csv`) read into memory: the real ones are a few MB at most.
const INDEX_LIMIT: u64 = 64 << 20;

/// A cached index document, unless it is over [`INDEX_LIMIT`] (then a warning naming it).
fn read_index(p: &Path) -> Option<String> {
    let len = std::fs::metadata(p).ok()?.len();
    if len > INDEX_LIMIT {
        tracing::warn!(
            "{}: {len} bytes is over the {INDEX_LIMIT}-byte limit of an index: not read",
            p.display()
        );
        return None;
    }
    std::fs::read_to_string(p).ok()
}

/// The `href` of the `updateinfo` data in a yum `repomd.xml`.
fn updateinfo_href(xml: &str) -> Option<String> {
    let start = xml
        .find("type=\"updateinfo\"")
        .or_else(|| xml.find("type='updateinfo'"))?;
    let rest = &xml[start..];
    let end = rest.find("</data>").unwrap_or(rest.len());
    let block = &rest[..end];
    let at = block.find("href=")?;
    let quoted = &block[at + 5..];
    let quote = quoted.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let inner = &quoted[1..];
    inner.find(quote).map(|e| inner[..e].to_owned())
}

/// `v3.20` and the like.
fn is_alpine_release(name: &str) -> bool {
    name.strip_prefix('v')
        .and_then(|r| r.split_once('.'))
        .is_some_and(|(a, b)| {
            !a.is_empty()
                && !b.is_empty()
                && a.bytes().all(|c| c.is_ascii_digit())
                && b.bytes().all(|c| c.is_ascii_digit())
        })
}

fn record_modified(p: &Path) -> Option<String> {
    #[derive(Deserialize)]
    struct M {
        modified: Option<String>,
    }
    let bytes = std::fs::read(p).ok()?;
    serde_json::from_slice::<M>(&bytes).ok()?.modified
}

/// `POST /v1/querybatch`: for each package, the (ID, modified) of the records that name it, following
/// `next_page_token`s.
fn query_batch(
    cache: &FeedCache,
    url: &str,
    packages: &[&(String, String)],
) -> Result<(BatchAnswers, u64), String> {
    #[derive(Deserialize)]
    struct Answer {
        #[serde(default)]
        results: Vec<One>,
    }
    #[derive(Deserialize, Default)]
    struct One {
        #[serde(default)]
        vulns: Vec<Vuln>,
        #[serde(default)]
        next_page_token: Option<String>,
    }
    #[derive(Deserialize)]
    struct Vuln {
        id: String,
        #[serde(default)]
        modified: Option<String>,
    }
    let mut out: BatchAnswers = vec![Vec::new(); packages.len()];
    let mut pending: Vec<(usize, Option<String>)> =
        (0..packages.len()).map(|i| (i, None)).collect();
    let mut bytes = 0u64;
    let mut rounds = 0;
    while !pending.is_empty() {
        rounds += 1;
        if rounds > 100 {
            return Err(format!("{url}: more than 100 pages of answers"));
        }
        let queries: Vec<serde_json::Value> = pending
            .iter()
            .map(|(i, token)| {
                let (eco, name) = packages[*i];
                let mut q = serde_json::json!({"package": {"ecosystem": eco, "name": name}});
                if let Some(t) = token {
                    q["page_token"] = serde_json::Value::String(t.clone());
                }
                q
            })
            .collect();
        let body = cache
            .post_json(url, &serde_json::json!({ "queries": queries }))
            .map_err(|e| e.to_string())?;
        bytes += body.len() as u64;
        let answer: Answer =
            serde_json::from_slice(&body).map_err(|e| format!("{url}: bad answer: {e}"))?;
        if answer.results.len() != pending.len() {
            return Err(format!(
                "{url}: {} answers to {} queries",
                answer.results.len(),
                pending.len()
            ));
        }
        let mut next = Vec::new();
        for ((i, _), one) in pending.iter().zip(answer.results) {
            out[*i].extend(
                one.vulns
                    .into_iter()
                    .map(|v| (v.id, v.modified.unwrap_or_default())),
            );
            if let Some(t) = one.next_page_token.filter(|t| !t.is_empty()) {
                next.push((*i, Some(t)));
            }
        }
        pending = next;
    }
    Ok((out, bytes))
}

/// Rebuilds the DB from every cached resource, atomically.
fn build_from_cache(
    opts: &SupplyOptions,
    cache: &FeedCache,
    state: &mut State,
    lines: &[FeedLine],
) -> Result<(), DbError> {
    build_from_cache_with(opts, cache, state, lines, None)
}

/// [`build_from_cache`], with CVE records read from `cve_dir` (a cvelistV5 checkout) instead of the cache.
fn build_from_cache_with(
    opts: &SupplyOptions,
    cache: &FeedCache,
    state: &mut State,
    lines: &[FeedLine],
    cve_dir: Option<&Path>,
) -> Result<(), DbError> {
    let dir = cache.dir();
    let mut specs = Vec::new();
    let mut add = |kind: FeedKind, rel: &str| {
        let p = dir.join(rel);
        if p.exists() {
            specs.push(SourceSpec {
                kind,
                location: p.display().to_string(),
            });
        }
    };
    add(FeedKind::AlpineSecdb, "alpine-secdb");
    add(FeedKind::DebianTracker, "debian-tracker/tracker.json");
    add(FeedKind::Wolfi, "wolfi/security.json");
    add(FeedKind::Alas, "alas");
    add(FeedKind::Osv, "osv");
    match cve_dir {
        Some(d) => add(FeedKind::Cve5, &d.display().to_string()),
        None => add(FeedKind::Cve5, "cve5"),
    }
    add(FeedKind::Kev, "kev/known_exploited_vulnerabilities.json");
    if dir.join("epss/epss_scores-current.csv.gz").is_file() {
        add(FeedKind::Epss, "epss/epss_scores-current.csv.gz");
    } else {
        add(FeedKind::Epss, EPSS_API_CSV);
    }
    if specs.is_empty() {
        return Err(DbError::Usage(format!(
            "no feed could be fetched into {}: nothing to build a DB from (see the feed lines above)",
            dir.display()
        )));
    }
    crate::build_with_origins(&specs, &opts.db_path, origins(opts, cache, lines))?;
    state.built_from = cached_resources(dir);
    Ok(())
}

/// Per feed, where the cached files came from and how current they are, with this run's problems.
fn origins(opts: &SupplyOptions, cache: &FeedCache, lines: &[FeedLine]) -> Vec<FeedOrigin> {
    let mut by: BTreeMap<String, (FeedOrigin, u64)> = BTreeMap::new();
    for rel in cached_resources(cache.dir()) {
        let Some(meta) = cache.meta(&rel) else {
            continue;
        };
        let feed = match rel.split('/').next().unwrap_or_default() {
            // Records fetched since the last full build are part of the OSV feed.
            "osv-delta" => "osv",
            f => f,
        }
        .to_owned();
        let Ok(kind) = feed.parse::<UpstreamKind>() else {
            continue;
        };
        let (o, oldest) = by.entry(feed.clone()).or_insert_with(|| {
            (
                FeedOrigin {
                    feed: feed.clone(),
                    url: opts.locations.url(kind, ""),
                    ..FeedOrigin::default()
                },
                u64::MAX,
            )
        });
        o.resources += 1;
        o.bytes += meta.size;
        if let Some(lm) = meta.last_modified {
            let newer = match (&o.last_modified, http_date_secs(&lm)) {
                (None, _) => true,
                (Some(old), Some(t)) => http_date_secs(old).is_none_or(|o| t > o),
                (Some(_), None) => false,
            };
            if newer {
                o.last_modified = Some(lm);
            }
        }
        *oldest = (*oldest).min(meta.checked_at);
    }
    for l in lines {
        let Some(reason) = &l.reason else { continue };
        let Ok(kind) = l.feed.parse::<UpstreamKind>() else {
            continue;
        };
        // A feed with no copy at all is listed too, with what went wrong.
        let (o, _) = by.entry(l.feed.clone()).or_insert_with(|| {
            (
                FeedOrigin {
                    feed: l.feed.clone(),
                    url: opts.locations.url(kind, ""),
                    ..FeedOrigin::default()
                },
                u64::MAX,
            )
        });
        o.problems.push(format!("{}: {reason}", l.url));
    }
    by.into_values()
        .map(|(mut o, oldest)| {
            if oldest != u64::MAX {
                o.checked_at = i64::try_from(oldest)
                    .ok()
                    .and_then(|t| time::OffsetDateTime::from_unix_timestamp(t).ok())
                    .and_then(|t| {
                        t.format(&time::format_description::well_known::Rfc3339)
                            .ok()
                    });
            }
            o
        })
        .collect()
}

/// Copies every cached feed file under `cache_dir` into `dir` in the publishers' own layout (one directory per
/// kind), so that `--feed KIND=DIR/KIND` (or the file, for one-document feeds) reads it back on a machine with no
/// network. Returns the (kind, location) pairs to point the feeds at.
pub fn export_bundle(
    cache_dir: &Path,
    dir: &Path,
) -> Result<Vec<(UpstreamKind, PathBuf)>, DbError> {
    let mut kinds: BTreeMap<String, PathBuf> = BTreeMap::new();
    for rel in cached_resources(cache_dir) {
        let mut parts = rel.splitn(2, '/');
        let (Some(kind), Some(rest)) = (parts.next(), parts.next()) else {
            continue;
        };
        if kind.parse::<UpstreamKind>().is_err() || rest == "index.html" {
            continue;
        }
        // Records fetched one by one sit where the bucket serves them.
        let rest = rest.strip_prefix("records/").unwrap_or(rest);
        // As the DB writers: a device or FIFO in the bundle is refused, not replaced.
        let to = crate::db_destination(&dir.join(kind).join(rest))?;
        let from = cache_dir.join(&rel);
        let tmp = trawl_fs::temp_file(&trawl_fs::parent_dir(&to), "bundle")
            .map_err(|e| DbError::io(&to, e))?;
        std::fs::copy(&from, tmp.path()).map_err(|e| DbError::io(&from, e))?;
        tmp.persist(&to).map_err(|e| DbError::io(&to, e.error))?;
        let single = matches!(kind, "debian-tracker" | "wolfi" | "kev" | "epss");
        kinds.insert(kind.to_owned(), if single { to } else { dir.join(kind) });
    }
    Ok(kinds
        .into_iter()
        .filter_map(|(k, p)| k.parse::<UpstreamKind>().ok().map(|k| (k, p)))
        .collect())
}

/// An HTTP date (`Tue, 03 Dec 2024 10:00:00 GMT`) as Unix seconds.
fn http_date_secs(s: &str) -> Option<i64> {
    let f = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    time::PrimitiveDateTime::parse(s.trim(), &f)
        .ok()
        .map(|t| t.assume_utc().unix_timestamp())
}

/// Every cached resource (cache-relative paths of files with a sidecar).
fn cached_resources(dir: &Path) -> BTreeSet<String> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeSet<String>) {
        let Ok(rd) = std::fs::read_dir(dir) else {
            return;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(root, &p, out);
            } else if let Some(name) = p.to_str()
                && let Some(base) = name.strip_suffix(".trawlmeta")
                && let Ok(rel) = Path::new(base).strip_prefix(root)
            {
                out.insert(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    let mut out = BTreeSet::new();
    walk(dir, dir, &mut out);
    out
}

fn load_state(dir: &Path) -> State {
    std::fs::read(dir.join(STATE))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}

fn save_state(dir: &Path, state: &State) {
    let Ok(bytes) = serde_json::to_vec(state) else {
        return;
    };
    let write = || -> std::io::Result<()> {
        let mut tmp = tempfile::Builder::new()
            .prefix(".trawl-state-")
            .suffix(".tmp")
            .tempfile_in(dir)?;
        std::io::Write::write_all(&mut tmp, &bytes)?;
        tmp.persist(dir.join(STATE)).map_err(|e| e.error)?;
        Ok(())
    };
    if let Err(e) = write() {
        tracing::warn!(
            "{}: cannot save the feed state: {e}",
            dir.join(STATE).display()
        );
    }
}

#[cfg(test)]
mod index_tests {
    use super::*;

    #[test]
    fn repomd_without_a_usable_updateinfo_gives_none() {
        for bad in [
            "",
            "not xml at all",
            "<repomd><data type=\"primary\"><location href=\"p.xml.gz\"/></data></repomd>",
            "<repomd><data type=\"updateinfo\"><location/></data></repomd>",
            "<repomd><data type=\"updateinfo\"><location href=\"unterminated",
            "<data type=\"updateinfo\"><location href=x/></data>",
        ] {
            assert_eq!(updateinfo_href(bad), None, "{bad}");
        }
        let ok =
            "<repomd><data type='updateinfo'><location href='repodata/u.xml.gz'/></data></repomd>";
        assert_eq!(updateinfo_href(ok).as_deref(), Some("repodata/u.xml.gz"));
    }

    #[test]
    fn modified_id_csv_skips_lines_it_cannot_read() {
        let csv = "2024-05-01T00:00:00Z,GHSA-b\ngarbage\n,\n2024-01-01T00:00:00Z,GHSA-a\n\n";
        let (newer, newest) = modified_since(csv, Some("2024-02-01T00:00:00Z"));
        assert_eq!(
            newer,
            vec![("2024-05-01T00:00:00Z".to_owned(), "GHSA-b".to_owned())]
        );
        assert_eq!(newest.as_deref(), Some("2024-05-01T00:00:00Z"));
        assert_eq!(modified_since("", None), (Vec::new(), None));
    }

    #[test]
    fn an_oversized_index_is_not_read() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let p = tmp.path().join("modified_id.csv");
        let f = std::fs::File::create(&p).expect("create");
        f.set_len(INDEX_LIMIT + 1).expect("sparse file");
        assert_eq!(read_index(&p), None);
        std::fs::write(&p, "2024-01-01T00:00:00Z,X\n").expect("write");
        assert!(read_index(&p).is_some());
    }
}
