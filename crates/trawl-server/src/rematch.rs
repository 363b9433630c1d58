//! Re-match instead of re-scan: when the advisory DB changes, one replica (the one that records the new DB
//! version in PostgreSQL first) matches every stored inventory again, replaces the images' latest reports,
//! records the findings that are new or gone, and POSTs the new ones to the webhooks. No image is pulled.

use crate::{State, metrics, webhook};
use std::sync::Arc;
use std::time::Instant;

pub(crate) async fn watch(state: Arc<State>) {
    let mut handled: Option<String> = None;
    loop {
        tokio::time::sleep(state.config.db_poll).await;
        let engine = Arc::clone(&state.engine);
        let Ok(Some(db)) = tokio::task::spawn_blocking(move || engine.db()).await else {
            continue;
        };
        if handled.as_deref() == Some(db.version.as_str()) || !state.store.is_migrated() {
            continue;
        }
        match state
            .store
            .claim_db_version(&db.version, &state.config.consumer)
            .await
        {
            Ok(false) => {
                handled = Some(db.version);
                continue;
            }
            Ok(true) => {}
            Err(e) => {
                tracing::warn!("re-match: {e:#}");
                continue;
            }
        }
        match rematch_all(&state, &db.version).await {
            Ok(n) => tracing::info!("advisory DB {}: {n} inventories re-matched", db.version),
            Err(e) => tracing::warn!("re-match after the DB change failed: {e:#}"),
        }
        handled = Some(db.version);
    }
}

/// Matches every stored inventory against the current DB; returns how many.
pub(crate) async fn rematch_all(state: &State, db_version: &str) -> anyhow::Result<usize> {
    let started = Instant::now();
    let inventories = state.store.inventories().await?;
    let engine = Arc::clone(&state.engine);
    let n = inventories.len();
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
    let matched = started.elapsed();
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
    tracing::info!(
        "re-match: {n} inventories matched in {:.3} s, stored in {:.3} s",
        matched.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
    Ok(n)
}
