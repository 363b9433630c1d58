//! Prometheus metrics in the text exposition format (counters kept in atomics; no registry needed for a
//! handful of series).

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};

/// The counters of one replica.
#[derive(Debug, Default)]
pub struct Metrics {
    /// Scans finished.
    pub scans_ok: AtomicU64,
    /// Scans failed.
    pub scans_failed: AtomicU64,
    /// Sum of scan durations, microseconds.
    pub scan_micros: AtomicU64,
    /// Jobs taken over from another replica (XAUTOCLAIM).
    pub jobs_claimed: AtomicU64,
    /// Layer cache hits.
    pub cache_hits: AtomicU64,
    /// Layer cache misses.
    pub cache_misses: AtomicU64,
    /// Layers seen in analysed images.
    pub layers_seen: AtomicU64,
    /// Layers analysed (not cached).
    pub layers_analysed: AtomicU64,
    /// Inventories re-matched after a DB change.
    pub rematched: AtomicU64,
    /// Webhooks delivered.
    pub webhooks_sent: AtomicU64,
    /// Webhooks that failed.
    pub webhooks_failed: AtomicU64,
}

fn get(a: &AtomicU64) -> u64 {
    a.load(Ordering::Relaxed)
}

/// Adds `n` to a counter.
pub fn add(a: &AtomicU64, n: u64) {
    a.fetch_add(n, Ordering::Relaxed);
}

impl Metrics {
    /// The exposition text; `queue_depth` is read from Redis by the caller (`None` when it is unreachable).
    pub fn render(&self, queue_depth: Option<u64>) -> String {
        let mut s = String::new();
        let mut counter = |name: &str, help: &str, lines: &[(&str, u64)]| {
            let _ = writeln!(s, "# HELP {name} {help}\n# TYPE {name} counter");
            for (labels, v) in lines {
                let _ = writeln!(s, "{name}{labels} {v}");
            }
        };
        counter(
            "trawl_scans_total",
            "Scan jobs finished by this replica.",
            &[
                ("{status=\"ok\"}", get(&self.scans_ok)),
                ("{status=\"failed\"}", get(&self.scans_failed)),
            ],
        );
        counter(
            "trawl_jobs_claimed_total",
            "Jobs taken over from a replica that stopped answering.",
            &[("", get(&self.jobs_claimed))],
        );
        counter(
            "trawl_layer_cache_requests_total",
            "Layer cache lookups.",
            &[
                ("{result=\"hit\"}", get(&self.cache_hits)),
                ("{result=\"miss\"}", get(&self.cache_misses)),
            ],
        );
        counter(
            "trawl_layers_seen_total",
            "Layers of the images analysed.",
            &[("", get(&self.layers_seen))],
        );
        counter(
            "trawl_layers_analysed_total",
            "Layers analysed (not in the layer cache).",
            &[("", get(&self.layers_analysed))],
        );
        counter(
            "trawl_rematched_inventories_total",
            "Stored inventories matched again after a DB change.",
            &[("", get(&self.rematched))],
        );
        counter(
            "trawl_webhooks_total",
            "Webhook deliveries.",
            &[
                ("{result=\"ok\"}", get(&self.webhooks_sent)),
                ("{result=\"failed\"}", get(&self.webhooks_failed)),
            ],
        );
        let done = get(&self.scans_ok) + get(&self.scans_failed);
        let _ = writeln!(
            s,
            "# HELP trawl_scan_duration_seconds Time from a job's start to its stored report.\n\
             # TYPE trawl_scan_duration_seconds summary\n\
             trawl_scan_duration_seconds_sum {}\ntrawl_scan_duration_seconds_count {done}",
            get(&self.scan_micros) as f64 / 1e6
        );
        if let Some(d) = queue_depth {
            let _ = writeln!(
                s,
                "# HELP trawl_queue_depth Jobs queued or running (all replicas).\n\
                 # TYPE trawl_queue_depth gauge\ntrawl_queue_depth {d}"
            );
        }
        s
    }
}
