//! The PostgreSQL store: jobs, inventories (per image digest), reports and finding history. Migrations are the
//! SQL files of `migrations/`, applied at startup in one transaction (under an advisory lock, so replicas starting
//! together apply them once) and recorded in `trawl_schema_version`.

use crate::Analysis;
use anyhow::Context;
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio_postgres::{Client, NoTls};
use trawl_report::Report;

/// The migrations, in order: (version, SQL).
pub const MIGRATIONS: &[(i32, &str)] = &[(1, include_str!("../migrations/0001_init.sql"))];

/// A job's state as clients see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobState {
    /// Not finished yet.
    Pending,
    /// Failed: the message.
    Failed(String),
    /// Done: the image's latest report (trawl JSON) and the request's artifact (JSON).
    Done {
        /// The report.
        report: String,
        /// The scan request's artifact.
        artifact: String,
    },
}

/// One stored inventory.
#[derive(Debug, Clone)]
pub struct StoredInventory {
    /// Image digest.
    pub digest: String,
    /// Display name.
    pub name: String,
    /// The engine's inventory JSON.
    pub inventory: serde_json::Value,
}

/// A connection made on first use and made again when it closed (PostgreSQL restarted). Statements of a
/// replica run one operation at a time on it.
pub struct Store {
    config: tokio_postgres::Config,
    client: tokio::sync::Mutex<Option<Client>>,
    migrated: AtomicBool,
}

/// The identity of one finding in history: ID, package, installed version, path.
pub fn finding_keys(report: &Report) -> BTreeSet<String> {
    report
        .results
        .iter()
        .flat_map(|r| &r.vulnerabilities)
        .map(|f| {
            format!(
                "{} {} {} {}",
                f.id, f.pkg_name, f.installed_version, f.pkg_path
            )
        })
        .collect()
}

impl Store {
    /// A store on `url` (connected on first use).
    pub fn new(url: &str) -> anyhow::Result<Store> {
        let mut config: tokio_postgres::Config = url.parse().context("bad --postgres URL")?;
        config.connect_timeout(Duration::from_secs(3));
        Ok(Store {
            config,
            client: tokio::sync::Mutex::new(None),
            migrated: AtomicBool::new(false),
        })
    }

    /// Whether the migrations were applied (in this process).
    pub fn is_migrated(&self) -> bool {
        self.migrated.load(Ordering::Relaxed)
    }

    async fn lock(&self) -> anyhow::Result<tokio::sync::MutexGuard<'_, Option<Client>>> {
        let mut guard = self.client.lock().await;
        if guard.as_ref().is_none_or(Client::is_closed) {
            let (client, conn) = self
                .config
                .connect(NoTls)
                .await
                .context("cannot connect to PostgreSQL")?;
            tokio::spawn(async move {
                if let Err(e) = conn.await {
                    tracing::warn!("PostgreSQL connection: {e}");
                }
            });
            *guard = Some(client);
        }
        Ok(guard)
    }

    /// Applies the migrations not applied yet.
    pub async fn migrate(&self) -> anyhow::Result<()> {
        let mut guard = self.lock().await?;
        let client = guard.as_mut().context("no PostgreSQL connection")?;
        let tx = client.transaction().await?;
        tx.batch_execute(
            "SELECT pg_advisory_xact_lock(7391001);
             CREATE TABLE IF NOT EXISTS trawl_schema_version (
                 version INT PRIMARY KEY,
                 applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
             );",
        )
        .await?;
        let applied: BTreeSet<i32> = tx
            .query("SELECT version FROM trawl_schema_version", &[])
            .await?
            .iter()
            .map(|r| r.get(0))
            .collect();
        for (version, sql) in MIGRATIONS {
            if applied.contains(version) {
                continue;
            }
            tx.batch_execute(sql)
                .await
                .with_context(|| format!("migration {version}"))?;
            tx.execute(
                "INSERT INTO trawl_schema_version (version) VALUES ($1)",
                &[version],
            )
            .await?;
            tracing::info!("PostgreSQL: migration {version} applied");
        }
        tx.commit().await?;
        self.migrated.store(true, Ordering::Relaxed);
        Ok(())
    }

    /// Whether PostgreSQL answers.
    pub async fn ping(&self) -> bool {
        let Ok(guard) = self.lock().await else {
            return false;
        };
        match guard.as_ref() {
            Some(c) => c.simple_query("SELECT 1").await.is_ok(),
            None => false,
        }
    }

    /// Records a new job.
    pub async fn add_job(
        &self,
        id: &str,
        kind: &str,
        name: &str,
        artifact: &str,
    ) -> anyhow::Result<()> {
        let guard = self.lock().await?;
        let c = guard.as_ref().context("no PostgreSQL connection")?;
        c.execute(
            "INSERT INTO jobs (id, kind, name, artifact, status) VALUES ($1, $2, $3, $4, 'queued')",
            &[&id, &kind, &name, &artifact],
        )
        .await?;
        Ok(())
    }

    /// Forgets a job that could not be queued.
    pub async fn remove_job(&self, id: &str) -> anyhow::Result<()> {
        let guard = self.lock().await?;
        let c = guard.as_ref().context("no PostgreSQL connection")?;
        c.execute("DELETE FROM jobs WHERE id = $1", &[&id]).await?;
        Ok(())
    }

    /// Whether a job is done or failed (a job taken over after its report was stored is not run again).
    pub async fn job_finished(&self, id: &str) -> anyhow::Result<bool> {
        let guard = self.lock().await?;
        let c = guard.as_ref().context("no PostgreSQL connection")?;
        let row = c
            .query_opt("SELECT status FROM jobs WHERE id = $1", &[&id])
            .await?;
        Ok(row.is_some_and(|r| matches!(r.get::<_, &str>(0), "done" | "failed")))
    }

    /// Marks a job running.
    pub async fn mark_running(&self, id: &str) -> anyhow::Result<()> {
        let guard = self.lock().await?;
        let c = guard.as_ref().context("no PostgreSQL connection")?;
        c.execute(
            "UPDATE jobs SET status = 'running', updated_at = now() WHERE id = $1 AND status = 'queued'",
            &[&id],
        )
        .await?;
        Ok(())
    }

    /// Records a failed job.
    pub async fn fail(&self, id: &str, message: &str) -> anyhow::Result<()> {
        let guard = self.lock().await?;
        let c = guard.as_ref().context("no PostgreSQL connection")?;
        c.execute(
            "UPDATE jobs SET status = 'failed', error = $2, updated_at = now() WHERE id = $1",
            &[&id, &message],
        )
        .await?;
        Ok(())
    }

    /// Stores a job's inventory and report, the image's latest report and its finding history, in one
    /// transaction; a job whose report is already stored is left as it is.
    pub async fn save_result(
        &self,
        id: &str,
        analysis: &Analysis,
        report: &Report,
        db_version: &str,
    ) -> anyhow::Result<()> {
        let report_json = serde_json::to_string(report)?;
        let inventory = serde_json::to_string(&analysis.inventory)?;
        let mut guard = self.lock().await?;
        let c = guard.as_mut().context("no PostgreSQL connection")?;
        let tx = c.transaction().await?;
        tx.execute(
            "INSERT INTO inventories (digest, name, inventory) VALUES ($1, $2, $3)
             ON CONFLICT (digest) DO UPDATE SET inventory = EXCLUDED.inventory, name = EXCLUDED.name,
             stored_at = now()",
            &[&analysis.digest, &analysis.name, &inventory],
        )
        .await?;
        let inserted = tx
            .execute(
                "INSERT INTO reports (job_id, digest, db_version, report) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (job_id) DO NOTHING",
                &[&id, &analysis.digest, &db_version, &report_json],
            )
            .await?;
        if inserted == 1 {
            set_image_report(&tx, &analysis.digest, report, &report_json, db_version).await?;
        }
        tx.execute(
            "UPDATE jobs SET status = 'done', digest = $2, updated_at = now() WHERE id = $1",
            &[&id, &analysis.digest],
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A job's state, `None` when there is no such job.
    pub async fn job(&self, id: &str) -> anyhow::Result<Option<JobState>> {
        let guard = self.lock().await?;
        let c = guard.as_ref().context("no PostgreSQL connection")?;
        let Some(row) = c
            .query_opt(
                "SELECT j.status, j.error, j.artifact, r.report FROM jobs j
                 LEFT JOIN image_reports r ON r.digest = j.digest WHERE j.id = $1",
                &[&id],
            )
            .await?
        else {
            return Ok(None);
        };
        let status: &str = row.get(0);
        Ok(Some(match status {
            "failed" => JobState::Failed(row.get::<_, Option<String>>(1).unwrap_or_default()),
            "done" => match row.get::<_, Option<String>>(3) {
                Some(report) => JobState::Done {
                    report,
                    artifact: row.get(2),
                },
                None => JobState::Failed("the report is missing".to_owned()),
            },
            _ => JobState::Pending,
        }))
    }

    /// Whether an inventory is stored for `digest`.
    pub async fn has_inventory(&self, digest: &str) -> anyhow::Result<bool> {
        let guard = self.lock().await?;
        let c = guard.as_ref().context("no PostgreSQL connection")?;
        Ok(
            c.query_opt("SELECT 1 FROM inventories WHERE digest = $1", &[&digest])
                .await?
                .is_some(),
        )
    }

    /// The inventory stored for `digest`.
    pub async fn inventory(&self, digest: &str) -> anyhow::Result<Option<serde_json::Value>> {
        let guard = self.lock().await?;
        let c = guard.as_ref().context("no PostgreSQL connection")?;
        let Some(row) = c
            .query_opt(
                "SELECT inventory FROM inventories WHERE digest = $1",
                &[&digest],
            )
            .await?
        else {
            return Ok(None);
        };
        Ok(Some(serde_json::from_str(row.get::<_, &str>(0))?))
    }

    /// Stores an image's inventory and latest report (finding history included), outside any job (the CLI's
    /// `--store`); returns the findings that are new.
    pub async fn save_image(
        &self,
        digest: &str,
        name: &str,
        inventory: &serde_json::Value,
        report: &Report,
        db_version: &str,
    ) -> anyhow::Result<Vec<String>> {
        let report_json = serde_json::to_string(report)?;
        let inventory = serde_json::to_string(inventory)?;
        let mut guard = self.lock().await?;
        let c = guard.as_mut().context("no PostgreSQL connection")?;
        let tx = c.transaction().await?;
        tx.execute(
            "INSERT INTO inventories (digest, name, inventory) VALUES ($1, $2, $3)
             ON CONFLICT (digest) DO UPDATE SET inventory = EXCLUDED.inventory, name = EXCLUDED.name,
             stored_at = now()",
            &[&digest, &name, &inventory],
        )
        .await?;
        let new = set_image_report(&tx, digest, report, &report_json, db_version).await?;
        tx.commit().await?;
        Ok(new)
    }

    /// Up to `limit` stored inventories whose latest report was not matched against DB `version`, in digest order
    /// after `after` (keyset pages: a batch at a time, whatever the number of images).
    pub async fn stale_inventories(
        &self,
        version: &str,
        after: &str,
        limit: i64,
    ) -> anyhow::Result<Vec<StoredInventory>> {
        let guard = self.lock().await?;
        let c = guard.as_ref().context("no PostgreSQL connection")?;
        let rows = c
            .query(
                "SELECT i.digest, i.name, i.inventory FROM inventories i
                 LEFT JOIN image_reports r ON r.digest = i.digest
                 WHERE r.db_version IS DISTINCT FROM $1 AND i.digest > $2
                 ORDER BY i.digest LIMIT $3",
                &[&version, &after, &limit],
            )
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let text: &str = r.get(2);
            match serde_json::from_str(text) {
                Ok(inventory) => out.push(StoredInventory {
                    digest: r.get(0),
                    name: r.get(1),
                    inventory,
                }),
                Err(e) => tracing::warn!("stored inventory {}: {e}", r.get::<_, &str>(0)),
            }
        }
        Ok(out)
    }

    /// Takes the re-match lock (a PostgreSQL advisory lock of this connection): true when no other replica holds
    /// it. It goes with the connection if the replica dies.
    pub async fn try_lock_rematch(&self) -> anyhow::Result<bool> {
        let guard = self.lock().await?;
        let c = guard.as_ref().context("no PostgreSQL connection")?;
        Ok(c.query_one("SELECT pg_try_advisory_lock(7391002)", &[])
            .await?
            .get(0))
    }

    /// Releases the re-match lock.
    pub async fn unlock_rematch(&self) -> anyhow::Result<()> {
        let guard = self.lock().await?;
        let c = guard.as_ref().context("no PostgreSQL connection")?;
        c.query_one("SELECT pg_advisory_unlock(7391002)", &[])
            .await?;
        Ok(())
    }

    /// Replaces an image's latest report after a re-match; returns the findings that are new.
    pub async fn rematched(
        &self,
        digest: &str,
        report: &Report,
        db_version: &str,
    ) -> anyhow::Result<Vec<String>> {
        let report_json = serde_json::to_string(report)?;
        let mut guard = self.lock().await?;
        let c = guard.as_mut().context("no PostgreSQL connection")?;
        let tx = c.transaction().await?;
        let new = set_image_report(&tx, digest, report, &report_json, db_version).await?;
        tx.commit().await?;
        Ok(new)
    }

    /// An image's finding history: (finding, change, DB version), oldest first.
    pub async fn history(&self, digest: &str) -> anyhow::Result<Vec<(String, String, String)>> {
        let guard = self.lock().await?;
        let c = guard.as_ref().context("no PostgreSQL connection")?;
        Ok(c.query(
            "SELECT finding, change, db_version FROM finding_history WHERE digest = $1 ORDER BY id",
            &[&digest],
        )
        .await?
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect())
    }
}

/// Writes an image's latest report and the history of its findings; returns the new ones.
async fn set_image_report(
    tx: &tokio_postgres::Transaction<'_>,
    digest: &str,
    report: &Report,
    report_json: &str,
    db_version: &str,
) -> anyhow::Result<Vec<String>> {
    tx.execute(
        "INSERT INTO image_reports (digest, db_version, report) VALUES ($1, $2, $3)
         ON CONFLICT (digest) DO UPDATE SET db_version = EXCLUDED.db_version, report = EXCLUDED.report,
         updated_at = now()",
        &[&digest, &db_version, &report_json],
    )
    .await?;
    let before: BTreeSet<String> = tx
        .query("SELECT finding FROM findings WHERE digest = $1", &[&digest])
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect();
    let now = finding_keys(report);
    let new: Vec<String> = now.difference(&before).cloned().collect();
    let gone: Vec<String> = before.difference(&now).cloned().collect();
    for f in &new {
        tx.execute(
            "INSERT INTO findings (digest, finding) VALUES ($1, $2)",
            &[&digest, f],
        )
        .await?;
        tx.execute(
            "INSERT INTO finding_history (digest, finding, change, db_version) VALUES ($1, $2, 'new', $3)",
            &[&digest, f, &db_version],
        )
        .await?;
    }
    for f in &gone {
        tx.execute(
            "DELETE FROM findings WHERE digest = $1 AND finding = $2",
            &[&digest, f],
        )
        .await?;
        tx.execute(
            "INSERT INTO finding_history (digest, finding, change, db_version) VALUES ($1, $2, 'gone', $3)",
            &[&digest, f, &db_version],
        )
        .await?;
    }
    Ok(new)
}

/// [`Store`] for synchronous callers (the CLI): its own single-threaded runtime, one operation at a time.
pub struct BlockingStore {
    runtime: tokio::runtime::Runtime,
    store: Store,
    one_at_a_time: std::sync::Mutex<()>,
}

impl BlockingStore {
    /// Connects to `url` and applies the migrations.
    pub fn open(url: &str) -> anyhow::Result<BlockingStore> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let store = Store::new(url)?;
        runtime
            .block_on(store.migrate())
            .context("cannot open the PostgreSQL store")?;
        Ok(BlockingStore {
            runtime,
            store,
            one_at_a_time: std::sync::Mutex::new(()),
        })
    }

    fn run<T>(&self, f: impl std::future::Future<Output = T>) -> T {
        let _guard = self.one_at_a_time.lock().unwrap_or_else(|p| p.into_inner());
        self.runtime.block_on(f)
    }

    /// See [`Store::inventory`].
    pub fn inventory(&self, digest: &str) -> anyhow::Result<Option<serde_json::Value>> {
        self.run(self.store.inventory(digest))
    }

    /// See [`Store::save_image`].
    pub fn save_image(
        &self,
        digest: &str,
        name: &str,
        inventory: &serde_json::Value,
        report: &Report,
        db_version: &str,
    ) -> anyhow::Result<Vec<String>> {
        self.run(
            self.store
                .save_image(digest, name, inventory, report, db_version),
        )
    }
}
