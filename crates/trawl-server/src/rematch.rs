//! Re-match instead of re-scan: when the advisory DB changes, one replica (the holder of a PostgreSQL advisory
//! lock) matches again every stored inventory whose latest report is of another DB version, replaces those
//! reports, records the findings that are new or gone, and POSTs the new ones to the webhooks. No image is
//! pulled. A report stored by a job that matched just before the change is stale too, and is caught by the next
//! check (every `--db-poll`).

use crate::{State, metrics, webhook};
use std::sync::Arc;
use std::time::Instant;

pub(crate) async fn watch(state: Arc<State>) {
    loop {
        tokio::time::sleep(state.config.db_poll).await;
        let engine = Arc::clone(&state.engine);
        let Ok(Some(db)) = tokio::task::spawn_blocking(move || engine.db()).await else {
            continue;
        };
        if !state.store.is_migrated() {
            continue;
        }
        // One replica at a time; the others find nothing stale afterwards.
        match state.store.try_lock_rematch().await {
            Ok(true) => {}
            Ok(false) => continue,
            Err(e) => {
                tracing::debug!("re-match: {e:#}");
                continue;
            }
        }
        match rematch_stale(&state, &db.version).await {
            Ok(0) => {}
            Ok(n) => tracing::info!("advisory DB {}: {n} inventories re-matched", db.version),
            Err(e) => tracing::warn!("re-match after the DB change failed: {e:#}"),
        }
        if let Err(e) = state.store.unlock_rematch().await {
            tracing::debug!("re-match unlock: {e:#}");
        }
    }
}

/// Inventories matched per batch.
const BATCH: i64 = 256;

/// Matches every stored inventory whose report is not of the current DB; returns how many.
pub(crate) async fn rematch_stale(state: &State, db_version: &str) -> anyhow::Result<usize> {
    let started = Instant::now();
    let mut after = String::new();
    let mut total = 0;
    let mut matching = std::time::Duration::ZERO;
    loop {
        let batch = state
            .store
            .stale_inventories(db_version, &after, BATCH)
            .await?;
        let Some(last) = batch.last() else { break };
        after = last.digest.clone();
        let n = batch.len();
        let t = Instant::now();
        rematch_batch(state, db_version, batch, &mut matching).await?;
        tracing::debug!(
            "re-match: batch of {n} in {:.3} s",
            t.elapsed().as_secs_f64()
        );
        total += n;
        if (n as i64) < BATCH {
            break;
        }
    }
    if total > 0 {
        tracing::info!(
            "re-match: {total} inventories matched in {:.3} s, stored in {:.3} s",
            matching.as_secs_f64(),
            started.elapsed().as_secs_f64()
        );
    }
    Ok(total)
}

async fn rematch_batch(
    state: &State,
    db_version: &str,
    inventories: Vec<crate::store::StoredInventory>,
    matching: &mut std::time::Duration,
) -> anyhow::Result<()> {
    let started = Instant::now();
    let engine = Arc::clone(&state.engine);
    let reports = tokio::task::spawn_blocking(move || {
        inventories
            .into_iter()
            .map(|inv| {
                let r = engine.report(&inv.inventory);
                (inv, r)
            })
            .collect::<Vec<_>>()
    })
    .await?;
    *matching += started.elapsed();
    for (inv, report) in reports {
        let report = match report {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!("re-match of {} ({}): {e:#}", inv.name, inv.digest);
                continue;
            }
        };
        let new = state
            .store
            .rematched(&inv.digest, &report, db_version)
            .await?;
        metrics::add(&state.metrics.rematched, 1);
        if new.is_empty() || state.config.webhooks.is_empty() {
            continue;
        }
        let body = serde_json::json!({
            "event": "new_findings",
            "image": inv.name,
            "digest": inv.digest,
            "db_version": db_version,
            "findings": new.iter().map(|f| {
                let mut parts = f.splitn(4, ' ');
                serde_json::json!({
                    "id": parts.next(),
                    "package": parts.next(),
                    "version": parts.next(),
                    "path": parts.next(),
                })
            }).collect::<Vec<_>>(),
        })
        .to_string();
        for url in state.config.webhooks.clone() {
            let secret = state.config.webhook_secret.clone();
            let body = body.clone();
            let m = Arc::clone(&state.metrics);
            let sent = tokio::task::spawn_blocking(move || {
                webhook::post(&url, secret.as_deref(), body.as_bytes())
            })
            .await;
            match sent {
                Ok(Ok(())) => metrics::add(&m.webhooks_sent, 1),
                Ok(Err(e)) => {
                    metrics::add(&m.webhooks_failed, 1);
                    tracing::warn!("webhook: {e:#}");
                }
                Err(e) => {
                    metrics::add(&m.webhooks_failed, 1);
                    tracing::warn!("webhook: {e}");
                }
            }
        }
    }
    Ok(())
}
