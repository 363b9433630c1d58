//! `trawl db build | update | info | push | pull`.

use crate::cli::{BuildArgs, DbCommand, DbPathArgs, InfoArgs, InfoFormat, UpdateArgs};
use anyhow::Context;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use trawl_advisory::update::{UpdateOptions, UpdateOutcome};
use trawl_advisory::{AdvisoryDb, Metadata};
use trawl_types::time::parse_duration;

/// `--db`, else `CACHE_DIR/db/trawl.db` (`$TRAWL_CACHE_DIR`, `$XDG_CACHE_HOME/trawl`, `~/.cache/trawl`).
fn db_path(a: &DbPathArgs) -> PathBuf {
    a.db.clone()
        .unwrap_or_else(|| trawl_fs::cache_dir().join("db").join("trawl.db"))
}

pub(crate) fn run(cmd: DbCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        DbCommand::Build(a) => build(a),
        DbCommand::Update(a) => update(a),
        DbCommand::Info(a) => info(a),
        DbCommand::Push(a) => {
            let path = db_path(&a.db);
            let digest = trawl_advisory::oci::push(&path, &a.reference, a.insecure)
                .with_context(|| format!("cannot push {} to {}", path.display(), a.reference))?;
            tracing::info!("pushed {} to {} ({digest})", path.display(), a.reference);
            Ok(ExitCode::SUCCESS)
        }
        DbCommand::Pull(a) => {
            let path = db_path(&a.db);
            let digest = trawl_advisory::oci::pull(&a.reference, &path, a.insecure)
                .with_context(|| format!("cannot pull {}", a.reference))?;
            tracing::info!("pulled {} into {} ({digest})", a.reference, path.display());
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn build(a: BuildArgs) -> anyhow::Result<ExitCode> {
    let started = std::time::Instant::now();
    if a.from_upstream {
        return build_from_upstream(&a, started);
    }
    let outcome = match &a.base {
        Some(base) => trawl_advisory::refresh(base, &a.sources, &a.output).with_context(|| {
            format!(
                "cannot refresh the advisory DB {} into {}",
                base.display(),
                a.output.display()
            )
        })?,
        None => trawl_advisory::build(&a.sources, &a.output)
            .with_context(|| format!("cannot build the advisory DB {}", a.output.display()))?,
    };
    for s in &outcome.metadata.sources {
        if s.skipped > 0 {
            tracing::warn!(
                "{}={}: {} malformed record(s) skipped; first: {}",
                s.kind,
                s.location,
                s.skipped,
                s.errors.first().map(String::as_str).unwrap_or("")
            );
        }
    }
    tracing::info!(
        "built {} ({} bytes) in {:.1}s",
        outcome.path.display(),
        outcome.size,
        started.elapsed().as_secs_f64()
    );
    print_metadata(&outcome.metadata, a.format, Some(outcome.size))?;
    Ok(ExitCode::SUCCESS)
}

/// `db build --from-upstream`: every feed, from the publishers, into `--output`.
fn build_from_upstream(a: &BuildArgs, started: std::time::Instant) -> anyhow::Result<ExitCode> {
    let locations =
        trawl_advisory::upstream::Locations::resolve(&|k| std::env::var(k).ok(), &a.feeds)
            .map_err(anyhow::Error::msg)
            .context("bad --feed / TRAWL_FEED_* location")?;
    let opts = trawl_advisory::supply::SupplyOptions {
        cache_dir: a
            .feed_cache
            .clone()
            .unwrap_or_else(|| trawl_fs::cache_dir().join("feeds")),
        db_path: a.output.clone(),
        locations,
        // A full build asks every publisher whether anything changed (conditional requests: a 304 is cheap).
        max_age: std::time::Duration::ZERO,
        offline: false,
        timeout: std::time::Duration::from_secs(600),
        progress: crate::dbsupply::terminal_progress(),
    };
    let needs = trawl_advisory::supply::Needs {
        everything: true,
        ..Default::default()
    };
    let outcome =
        trawl_advisory::supply::supply(&opts, &needs, &mut |_| Vec::new()).with_context(|| {
            format!(
                "cannot build the advisory DB {} from the publishers",
                a.output.display()
            )
        })?;
    let db = AdvisoryDb::open(&a.output)
        .with_context(|| format!("cannot open the advisory DB {}", a.output.display()))?;
    let size = std::fs::metadata(&a.output).map(|m| m.len()).ok();
    tracing::info!(
        "built {} from {} feed resource(s) ({} bytes transferred) in {:.1}s",
        a.output.display(),
        outcome.lines.len(),
        outcome.bytes,
        started.elapsed().as_secs_f64()
    );
    print_metadata(db.metadata(), a.format, size)?;
    // A publishing job must not push a DB that silently lacks a feed.
    let failed: Vec<String> = outcome
        .lines
        .iter()
        .filter(|l| l.status == "failed")
        .map(|l| {
            format!(
                "{} {}: {}",
                l.feed,
                l.url,
                l.reason.as_deref().unwrap_or_default()
            )
        })
        .collect();
    if !failed.is_empty() {
        anyhow::bail!(
            "{} feed resource(s) could not be had, so {} lacks their latest data:
  {}",
            failed.len(),
            a.output.display(),
            failed.join(
                "
  "
            )
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `db update --offline-bundle DIR`.
fn offline_bundle(a: &UpdateArgs, dir: &Path) -> anyhow::Result<ExitCode> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let dir = dir
        .canonicalize()
        .with_context(|| format!("cannot resolve {}", dir.display()))?;
    let cache = trawl_fs::cache_dir().join("feeds");
    let build = BuildArgs {
        sources: Vec::new(),
        output: dir.join("trawl.db"),
        base: None,
        format: InfoFormat::Table,
        from_upstream: true,
        feeds: a.feeds.clone(),
        feed_cache: Some(cache.clone()),
    };
    let code = build_from_upstream(&build, std::time::Instant::now())?;
    let kinds = trawl_advisory::supply::export_bundle(&cache, &dir)
        .with_context(|| format!("cannot write the offline bundle {}", dir.display()))?;
    let mut env = String::from(
        "# trawl offline bundle: `set -a; . ./feeds.env; set +a`, then scan with --db trawl.db here, or with no --db\n\
         # (a DB is built from these files for what each scan needs).\n",
    );
    // Every kind points into the bundle (a kind with no file there is simply absent: never the network).
    for kind in trawl_advisory::upstream::UpstreamKind::all() {
        use trawl_advisory::upstream::UpstreamKind as K;
        if matches!(kind, K::Db | K::OsvApi) {
            continue;
        }
        let path = kinds
            .iter()
            .find(|(k, _)| *k == kind)
            .map_or_else(|| dir.join(kind.as_str()), |(_, p)| p.clone());
        env.push_str(&format!("{}={}\n", kind.upstream().env, path.display()));
    }
    // Nothing here is fetched from a network: no published DB, no OSV API (each ecosystem's all.zip is read).
    env.push_str(&format!(
        "TRAWL_FEED_DB={}\nTRAWL_FEED_OSV_API={}\nTRAWL_DB_SOURCE=upstream\n",
        dir.join("no-published-db").display(),
        dir.join("osv").display()
    ));
    let env_path = dir.join("feeds.env");
    write_file(&env_path, env.as_bytes())
        .with_context(|| format!("cannot write {}", env_path.display()))?;
    tracing::info!(
        "offline bundle in {}: trawl.db, {} feed(s), {}",
        dir.display(),
        kinds.len(),
        env_path.display()
    );
    Ok(code)
}

/// Writes `bytes` to `path` atomically; a device or FIFO there is refused, as for every output.
fn write_file(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let target = match trawl_fs::destination(path)? {
        trawl_fs::Destination::File(p) => p,
        trawl_fs::Destination::Special { path, kind } => {
            anyhow::bail!("{} is {kind}, not a file: not replaced", path.display())
        }
    };
    let mut tmp = trawl_fs::temp_file(&trawl_fs::parent_dir(&target), "bundle")?;
    tmp.write_all(bytes)?;
    tmp.persist(&target).map_err(|e| e.error)?;
    Ok(())
}

fn update(a: UpdateArgs) -> anyhow::Result<ExitCode> {
    if let Some(dir) = &a.offline_bundle {
        return offline_bundle(&a, dir);
    }
    let path = db_path(&a.db);
    if a.skip_db_update || a.offline {
        tracing::info!("DB update skipped; using {}", path.display());
        return Ok(ExitCode::SUCCESS);
    }
    // No location given: the published DB's mirrors, as a scan uses them.
    let locations = trawl_advisory::upstream::Locations::resolve(&|k| std::env::var(k).ok(), &[])
        .map_err(anyhow::Error::msg)
        .context("bad TRAWL_FEED_DB location")?;
    let repositories = crate::dbsupply::published_locations(&a.db_repository, &locations);
    let mut opts = UpdateOptions::new(&path, repositories);
    opts.force = a.force;
    opts.plain_http = a.insecure;
    if let Some(t) = &a.db_timeout {
        opts.timeout = parse_duration(t)?;
    }
    if let Some(age) = &a.db_max_age {
        opts.max_age = Some(parse_duration(age)?);
    }
    match trawl_advisory::update::update(&opts)
        .with_context(|| format!("cannot update {}", path.display()))?
    {
        UpdateOutcome::UpToDate { built_at } => {
            tracing::info!("{} is up to date (built {built_at})", path.display());
        }
        UpdateOutcome::Updated {
            location,
            digest,
            built_at,
            skipped,
        } => {
            for s in skipped {
                tracing::warn!("skipped {s}");
            }
            tracing::info!(
                "updated {} from {location} ({digest}, built {built_at})",
                path.display()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn info(a: InfoArgs) -> anyhow::Result<ExitCode> {
    let path = db_path(&a.db);
    let db = AdvisoryDb::open(&path)
        .with_context(|| format!("cannot open the advisory DB {}", path.display()))?;
    let size = std::fs::metadata(&path).ok().map(|m| m.len());
    print_metadata(db.metadata(), a.format, size)?;
    Ok(ExitCode::SUCCESS)
}

fn print_metadata(m: &Metadata, format: InfoFormat, size: Option<u64>) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match format {
        InfoFormat::Json => {
            serde_json::to_writer_pretty(&mut out, m)?;
            writeln!(out)?;
        }
        InfoFormat::Table => {
            writeln!(out, "Schema version: {}", m.schema_version)?;
            writeln!(out, "Built at:       {}", m.built_at)?;
            if let Some(s) = size {
                writeln!(out, "Size:           {s} bytes")?;
            }
            writeln!(out, "Affected rows:  {}", m.affected_rows)?;
            writeln!(out, "KEV entries:    {}", m.kev_entries)?;
            writeln!(out, "EPSS scores:    {}", m.epss_entries)?;
            writeln!(out, "Sources:")?;
            for s in &m.sources {
                writeln!(
                    out,
                    "  {:<15} {:>8} records {:>6} skipped  {}{}",
                    s.kind,
                    s.records,
                    s.skipped,
                    s.location,
                    s.feed_timestamp
                        .as_deref()
                        .map(|t| format!("  (feed {t})"))
                        .unwrap_or_default()
                )?;
            }
            writeln!(out, "Advisories by data source:")?;
            for (k, n) in &m.advisories_by_source {
                writeln!(out, "  {k:<15} {n:>8}")?;
            }
            if !m.upstream.is_empty() {
                writeln!(out, "Feeds (built straight from the publishers):")?;
                for o in &m.upstream {
                    // The build's own report of the feed (refreshes append theirs after it).
                    let records: u64 = m
                        .sources
                        .iter()
                        .find(|s| s.kind == o.feed)
                        .map_or(0, |s| s.records);
                    let age = o
                        .checked_at
                        .as_deref()
                        .and_then(trawl_advisory::update::age_of)
                        .map_or_else(
                            || "never checked".to_owned(),
                            |a| format!("checked {} ago", human_age(a)),
                        );
                    writeln!(
                        out,
                        "  {:<15} {:>8} records {:>5} files {:>11} bytes  {}  {age}{}",
                        o.feed,
                        records,
                        o.resources,
                        o.bytes,
                        o.url,
                        o.last_modified
                            .as_deref()
                            .map(|t| format!(", last modified {t}"))
                            .unwrap_or_default()
                    )?;
                    for p in &o.problems {
                        writeln!(out, "      skipped: {p}")?;
                    }
                }
            }
        }
    }
    for o in &m.upstream {
        if let Some(age) = o
            .checked_at
            .as_deref()
            .and_then(trawl_advisory::update::age_of)
            && age > STALE_FEED
        {
            tracing::warn!(
                "feed {} ({}) was last checked {} ago: stale (the next scan refreshes it, or `--db-max-age`)",
                o.feed,
                o.url,
                human_age(age)
            );
        }
        for p in &o.problems {
            tracing::warn!(
                "feed {} was not fully had when this DB was built: {p}",
                o.feed
            );
        }
    }
    Ok(())
}

/// A feed not checked for this long is called stale by `db info`.
const STALE_FEED: std::time::Duration = std::time::Duration::from_secs(7 * 24 * 3600);

/// `42s`, `5m`, `3h`, `2d`.
fn human_age(d: std::time::Duration) -> String {
    let s = d.as_secs();
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m", s / 60),
        3600..86400 => format!("{}h", s / 3600),
        _ => format!("{}d", s / 86400),
    }
}
