//! The image config's size limit and parsing (the model is [`trawl_types::ImageConfig`]).

use trawl_types::ImageConfig;

/// Largest image config parsed (the size registries must accept for a manifest). A real config is a few KB;
/// parsing one costs several times its size (it is kept whole for secret and misconfiguration checks).
pub const MAX_CONFIG: u64 = 4 * 1024 * 1024;

/// Why a config of `size` bytes is refused, when it is over [`MAX_CONFIG`] (checked before it is read, from the
/// size the archive or layout lists, and again on the bytes).
pub(crate) fn oversize(size: u64) -> Option<String> {
    (size > MAX_CONFIG).then(|| {
        format!(
            "image config of {size} bytes is over the {MAX_CONFIG}-byte limit (a real config is a few KB): \
             refused, as a crafted one would cost many times its size in memory"
        )
    })
}

/// Parses a config. Errors only when it is too big, not JSON or not a JSON object; missing fields stay empty.
pub(crate) fn parse(bytes: &[u8]) -> Result<ImageConfig, String> {
    if let Some(e) = oversize(bytes.len() as u64) {
        return Err(e);
    }
    ImageConfig::from_slice(bytes).map_err(|e| e.to_string())
}
