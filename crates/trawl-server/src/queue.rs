//! The job queue: one Redis stream (`trawl:jobs`) read by the consumer group `trawl`. A replica reads new entries
//! with `XREADGROUP`, keeps the entry it works on fresh (`XCLAIM ... JUSTID` resets its idle time), and
//! acknowledges it (`XACK`, then `XDEL`) only once the report is stored. An entry idle for longer than
//! `--claim-after` belongs to a replica that died: `XAUTOCLAIM` hands it to a live one.

use crate::{Analysis, ImageTarget, State, metrics};
use anyhow::Context;
use redis::aio::MultiplexedConnection;
use redis::{AsyncConnectionConfig, Value};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A job taken over this many times (each time its replica stopped while running it) is failed, not run again: it
/// is what stops them.
const MAX_DELIVERIES: i64 = 5;

/// The stream key.
pub const STREAM: &str = "trawl:jobs";
/// The consumer group.
pub const GROUP: &str = "trawl";

/// What a job does.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum JobRequest {
    /// Pull and analyse an image.
    Image(ImageTarget),
    /// Read an SBOM.
    Sbom {
        /// Display name.
        name: String,
        /// The SBOM document.
        document: String,
    },
}

/// A stream entry's payload.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct JobMessage {
    /// The job (and scan request) ID.
    pub id: String,
    /// The work.
    pub request: JobRequest,
}

/// A Redis connection made on first use and made again after an error (Redis restarted).
pub struct Redis {
    client: redis::Client,
    conn: tokio::sync::Mutex<Option<MultiplexedConnection>>,
    response_timeout: Duration,
}

impl Redis {
    /// A lazily connected client of `url`.
    pub fn new(url: &str, response_timeout: Duration) -> anyhow::Result<Redis> {
        Ok(Redis {
            client: redis::Client::open(url).context("bad --redis URL")?,
            conn: tokio::sync::Mutex::new(None),
            response_timeout,
        })
    }

    /// The connection (connecting when there is none).
    pub async fn conn(&self) -> redis::RedisResult<MultiplexedConnection> {
        let mut guard = self.conn.lock().await;
        if let Some(c) = guard.as_ref() {
            return Ok(c.clone());
        }
        let config = AsyncConnectionConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(2)))
            .set_response_timeout(Some(self.response_timeout));
        let c = self
            .client
            .get_multiplexed_async_connection_with_config(&config)
            .await?;
        *guard = Some(c.clone());
        Ok(c)
    }

    /// Drops the connection after an error, so the next use connects again.
    pub async fn reset(&self) {
        *self.conn.lock().await = None;
    }

    /// Runs `cmd`, dropping the connection when it fails.
    pub async fn query<T: redis::FromRedisValue>(&self, cmd: &redis::Cmd) -> anyhow::Result<T> {
        let mut c = self.conn().await?;
        match cmd.query_async::<T>(&mut c).await {
            Ok(v) => Ok(v),
            Err(e) => {
                if e.is_io_error()
                    || e.is_timeout()
                    || e.is_connection_dropped()
                    || e.is_connection_refusal()
                    || e.is_unrecoverable_error()
                {
                    self.reset().await;
                }
                Err(e.into())
            }
        }
    }
}

/// The producer side, shared by the HTTP handlers.
pub struct Queue {
    redis: Redis,
    url: String,
    /// Seals jobs before they go to Redis (`None` without `--token`: jobs are kept as they are).
    sealer: Option<Arc<crate::seal::Sealer>>,
}

impl Queue {
    /// A queue on the Redis at `url`; jobs sealed with a key from `token` when there is one.
    pub fn new(url: &str, token: Option<&str>) -> anyhow::Result<Queue> {
        Ok(Queue {
            redis: Redis::new(url, Duration::from_secs(5))?,
            url: url.to_owned(),
            sealer: token.map(|t| Arc::new(crate::seal::Sealer::from_token(t))),
        })
    }

    /// Adds a job.
    pub async fn push(&self, msg: &JobMessage) -> anyhow::Result<()> {
        let json = serde_json::to_string(msg)?;
        let (field, value) = match &self.sealer {
            Some(s) => ("sealed", s.seal(json.as_bytes())?),
            None => ("job", json),
        };
        let _: String = self
            .redis
            .query(
                redis::cmd("XADD")
                    .arg(STREAM)
                    .arg("*")
                    .arg(field)
                    .arg(value),
            )
            .await?;
        Ok(())
    }

    /// Entries in the stream: queued or running jobs of every replica.
    pub async fn depth(&self) -> anyhow::Result<u64> {
        self.redis.query(redis::cmd("XLEN").arg(STREAM)).await
    }

    /// Whether Redis answers.
    pub async fn ping(&self) -> bool {
        self.redis
            .query::<String>(&redis::cmd("PING"))
            .await
            .is_ok()
    }
}

async fn ensure_group(redis: &Redis) -> anyhow::Result<()> {
    let r: anyhow::Result<String> = redis
        .query(
            redis::cmd("XGROUP")
                .arg("CREATE")
                .arg(STREAM)
                .arg(GROUP)
                .arg("0")
                .arg("MKSTREAM"),
        )
        .await;
    match r {
        Ok(_) => Ok(()),
        Err(e) if format!("{e}").contains("BUSYGROUP") => Ok(()),
        Err(e) => Err(e),
    }
}

/// One entry: its stream ID and its payload.
fn parse_entries(
    v: &Value,
    sealer: Option<&crate::seal::Sealer>,
) -> Vec<(String, Option<JobMessage>)> {
    // [[id, [field, value, ...]], ...]
    let mut out = Vec::new();
    if let Value::Array(items) = v {
        for item in items {
            let Value::Array(pair) = item else { continue };
            let Some(id) = pair.first().and_then(as_string) else {
                continue;
            };
            let mut msg = None;
            if let Some(Value::Array(fields)) = pair.get(1) {
                for kv in fields.chunks(2) {
                    if kv.len() != 2 {
                        continue;
                    }
                    match as_string(&kv[0]).as_deref() {
                        Some("job") => {
                            msg = as_string(&kv[1]).and_then(|s| serde_json::from_str(&s).ok());
                        }
                        // A sealed job that does not open (another token, altered) reads as unreadable.
                        Some("sealed") => {
                            msg = sealer
                                .zip(as_string(&kv[1]))
                                .and_then(|(k, s)| k.open(&s))
                                .and_then(|b| serde_json::from_slice(&b).ok());
                        }
                        _ => {}
                    }
                }
            }
            out.push((id, msg));
        }
    }
    out
}

fn as_string(v: &Value) -> Option<String> {
    match v {
        Value::BulkString(b) => String::from_utf8(b.clone()).ok(),
        Value::SimpleString(s) => Some(s.clone()),
        _ => None,
    }
}

/// The next entry for this consumer: one whose replica stopped answering, else a new one (waits up to 1 s).
async fn next(
    redis: &Redis,
    consumer: &str,
    claim_after: Duration,
    sealer: Option<&crate::seal::Sealer>,
) -> anyhow::Result<Option<(String, Option<JobMessage>, bool)>> {
    let claimed: Value = redis
        .query(
            redis::cmd("XAUTOCLAIM")
                .arg(STREAM)
                .arg(GROUP)
                .arg(consumer)
                .arg(claim_after.as_millis() as u64)
                .arg("0-0")
                .arg("COUNT")
                .arg(1),
        )
        .await?;
    if let Value::Array(parts) = &claimed
        && let Some(entries) = parts.get(1)
        && let Some((id, msg)) = parse_entries(entries, sealer).into_iter().next()
    {
        return Ok(Some((id, msg, true)));
    }
    let read: Value = redis
        .query(
            redis::cmd("XREADGROUP")
                .arg("GROUP")
                .arg(GROUP)
                .arg(consumer)
                .arg("COUNT")
                .arg(1)
                .arg("BLOCK")
                .arg(1000)
                .arg("STREAMS")
                .arg(STREAM)
                .arg(">"),
        )
        .await?;
    // RESP2: [[stream, entries]]; RESP3: {stream: entries}.
    let entries = match &read {
        Value::Array(streams) => streams.first().and_then(|s| match s {
            Value::Array(kv) => kv.get(1).cloned(),
            _ => None,
        }),
        Value::Map(kv) => kv.first().map(|(_, v)| v.clone()),
        _ => None,
    };
    Ok(entries
        .as_ref()
        .and_then(|e| parse_entries(e, sealer).into_iter().next())
        .map(|(id, msg)| (id, msg, false)))
}

/// How many times an entry was delivered (`XPENDING`).
async fn deliveries(redis: &Redis, entry: &str) -> anyhow::Result<i64> {
    let v: Value = redis
        .query(
            redis::cmd("XPENDING")
                .arg(STREAM)
                .arg(GROUP)
                .arg(entry)
                .arg(entry)
                .arg(1),
        )
        .await?;
    // [[id, consumer, idle ms, deliveries]]
    if let Value::Array(rows) = v
        && let Some(Value::Array(row)) = rows.first()
        && let Some(Value::Int(n)) = row.get(3)
    {
        return Ok(*n);
    }
    Ok(0)
}

async fn ack(redis: &Redis, entry: &str) -> anyhow::Result<()> {
    let _: i64 = redis
        .query(redis::cmd("XACK").arg(STREAM).arg(GROUP).arg(entry))
        .await?;
    let _: i64 = redis
        .query(redis::cmd("XDEL").arg(STREAM).arg(entry))
        .await?;
    Ok(())
}

/// A worker: takes jobs one at a time until the process ends.
pub(crate) async fn worker(state: Arc<State>, n: usize) {
    let consumer = state.config.consumer.clone();
    let sealer = state.queue.sealer.clone();
    // Its own connection: a blocking XREADGROUP holds the connection it is sent on.
    let redis = match Redis::new(&state.queue.url, Duration::from_secs(10)) {
        Ok(r) => Arc::new(r),
        Err(e) => {
            tracing::error!("worker {n}: {e:#}");
            return;
        }
    };
    let mut group_ready = false;
    loop {
        if !group_ready {
            match ensure_group(&redis).await {
                Ok(()) => group_ready = true,
                Err(e) => {
                    tracing::debug!("worker {n}: Redis: {e:#}");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            }
        }
        if !state.store.is_migrated() {
            tokio::time::sleep(Duration::from_millis(200)).await;
            continue;
        }
        let (entry, msg, claimed) = match next(
            &redis,
            &consumer,
            state.config.claim_after,
            sealer.as_deref(),
        )
        .await
        {
            Ok(Some(x)) => x,
            Ok(None) => continue,
            Err(e) => {
                if format!("{e}").contains("NOGROUP") {
                    group_ready = false;
                }
                tracing::debug!("worker {n}: Redis: {e:#}");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        let Some(msg) = msg else {
            tracing::warn!("job entry {entry} is unreadable: dropped");
            let _ = ack(&redis, &entry).await;
            continue;
        };
        if claimed {
            metrics::add(&state.metrics.jobs_claimed, 1);
            let deliveries = deliveries(&redis, &entry).await.unwrap_or(0);
            tracing::info!(
                "job {}: taken over from a replica that stopped (delivery {deliveries})",
                msg.id
            );
            if deliveries > MAX_DELIVERIES {
                let message = format!(
                    "given up after {deliveries} attempts: the replicas running it stopped each time"
                );
                tracing::warn!("job {}: {message}", msg.id);
                if state.store.fail(&msg.id, &message).await.is_ok() {
                    let _ = ack(&redis, &entry).await;
                }
                continue;
            }
        }
        // Keep the entry ours while it runs: reset its idle time well within --claim-after.
        let heartbeat = {
            let redis = Arc::clone(&redis);
            let consumer = consumer.clone();
            let entry = entry.clone();
            let every = state.config.claim_after / 3;
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(every).await;
                    let _: anyhow::Result<Value> = redis
                        .query(
                            redis::cmd("XCLAIM")
                                .arg(STREAM)
                                .arg(GROUP)
                                .arg(&consumer)
                                .arg(0)
                                .arg(&entry)
                                .arg("JUSTID"),
                        )
                        .await;
                }
            })
        };
        let result = run_job(&state, &msg).await;
        heartbeat.abort();
        match result {
            Ok(()) => {
                if let Err(e) = ack(&redis, &entry).await {
                    // Not acknowledged: taken again later, and found done (the report write is keyed by job).
                    tracing::warn!("job {}: acknowledging: {e:#}", msg.id);
                }
            }
            Err(e) => {
                // Left pending: another replica (or this one) takes it over after --claim-after.
                tracing::warn!("job {}: not finished, will be retried: {e:#}", msg.id);
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}

/// Runs one job to a stored outcome (a report, or a failure the client sees). `Err`: the outcome could not be
/// stored (PostgreSQL down): the job stays pending.
async fn run_job(state: &State, msg: &JobMessage) -> anyhow::Result<()> {
    if state.store.job_finished(&msg.id).await? {
        return Ok(());
    }
    state.store.mark_running(&msg.id).await?;
    let started = Instant::now();
    let engine = Arc::clone(&state.engine);
    let cache: Arc<dyn trawl_layers::LayerCache> = state.cache.clone();
    let request = msg.request.clone();
    let outcome = tokio::task::spawn_blocking(move || {
        let analysis: Analysis = match &request {
            JobRequest::Image(t) => engine.analyse(t, cache)?,
            JobRequest::Sbom { name, document } => engine.sbom(name, document.as_bytes())?,
        };
        let db = engine.db().map(|d| d.version).unwrap_or_default();
        let report = engine.report(&analysis.inventory)?;
        anyhow::Ok((analysis, report, db))
    })
    .await
    // A scan that panicked is a failed job (taken again, it would panic again).
    .unwrap_or_else(|_| Err(anyhow::anyhow!("the scan stopped on an internal error")));
    match outcome {
        Ok((analysis, report, db)) => {
            state
                .store
                .save_result(&msg.id, &analysis, &report, &db)
                .await?;
            metrics::add(&state.metrics.scans_ok, 1);
            metrics::add(&state.metrics.layers_seen, analysis.layers_seen);
            metrics::add(&state.metrics.layers_analysed, analysis.layers_analysed);
        }
        Err(e) => {
            tracing::warn!("job {}: {e:#}", msg.id);
            state.store.fail(&msg.id, &format!("{e:#}")).await?;
            metrics::add(&state.metrics.scans_failed, 1);
        }
    }
    metrics::add(
        &state.metrics.scan_micros,
        started.elapsed().as_micros() as u64,
    );
    Ok(())
}
