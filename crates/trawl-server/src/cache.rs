//! The per-layer analysis cache in Redis: [`trawl_layers::LayerCache`] over `GET`/`SET` of
//! `trawl:layer:<key>`, where `<key>` is the key the file cache uses ([`trawl_layers::cache_key`]: the layer's
//! verified content key, the cache format version and every analyzer's name and version). A base layer is
//! analysed once for every replica. Entries expire after 30 days unread (a hit refreshes the age).

use crate::metrics::{self, Metrics};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use trawl_layers::{CacheError, LayerCache};

/// Seconds an entry lives unread.
const TTL_SECS: u64 = 30 * 24 * 3600;

/// A [`LayerCache`] in Redis (blocking calls: the pipeline calls it from its analysis threads). A Redis error
/// is a miss (get) or a warning (put): the cache never fails a scan.
pub struct RedisCache {
    client: redis::Client,
    conn: Mutex<Option<redis::Connection>>,
    metrics: Arc<Metrics>,
}

impl RedisCache {
    /// A cache on the Redis at `url` (connected on first use).
    pub fn new(url: &str, metrics: Arc<Metrics>) -> anyhow::Result<RedisCache> {
        Ok(RedisCache {
            client: redis::Client::open(url)?,
            conn: Mutex::new(None),
            metrics,
        })
    }

    fn key(key: &str) -> String {
        format!("trawl:layer:{key}")
    }

    fn with_conn<T>(
        &self,
        f: impl FnOnce(&mut redis::Connection) -> redis::RedisResult<T>,
    ) -> redis::RedisResult<T> {
        let mut guard = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        if guard.is_none() {
            let c = self
                .client
                .get_connection_with_timeout(Duration::from_secs(2))?;
            c.set_read_timeout(Some(Duration::from_secs(10)))?;
            c.set_write_timeout(Some(Duration::from_secs(10)))?;
            *guard = Some(c);
        }
        let Some(c) = guard.as_mut() else {
            unreachable!("connected above")
        };
        let r = f(c);
        if r.is_err() {
            *guard = None;
        }
        r
    }
}

impl LayerCache for RedisCache {
    fn get(&self, key: &str) -> Option<Vec<u8>> {
        let k = Self::key(key);
        let r: redis::RedisResult<Option<Vec<u8>>> =
            self.with_conn(|c| redis::cmd("GETEX").arg(&k).arg("EX").arg(TTL_SECS).query(c));
        match r {
            Ok(Some(v)) => {
                metrics::add(&self.metrics.cache_hits, 1);
                Some(v)
            }
            Ok(None) => {
                metrics::add(&self.metrics.cache_misses, 1);
                None
            }
            Err(e) => {
                tracing::warn!("layer cache (Redis): {e}");
                metrics::add(&self.metrics.cache_misses, 1);
                None
            }
        }
    }

    fn put(&self, key: &str, value: &[u8]) -> Result<(), CacheError> {
        let k = Self::key(key);
        self.with_conn(|c| {
            redis::cmd("SET")
                .arg(&k)
                .arg(value)
                .arg("EX")
                .arg(TTL_SECS)
                .query::<()>(c)
        })
        .map_err(|e| CacheError::Encode {
            key: key.to_owned(),
            message: format!("Redis: {e}"),
        })
    }
}
