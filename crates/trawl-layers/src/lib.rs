//! Layer tar walking (gzip/zstd/plain), whiteouts, per-layer cache, layer merge.
