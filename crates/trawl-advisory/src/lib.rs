//! The advisory database: feed parsers, build, query, update, OCI push/pull.
