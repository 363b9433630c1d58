//! One module per command.

pub(crate) mod baseline;
pub(crate) mod config;
pub(crate) mod db;
pub(crate) mod debug;
pub(crate) mod registry;
pub(crate) mod sbom;
pub(crate) mod scan;

/// The value parser of every boolean flag that a `TRAWL_*` variable can set: the flag itself means true, and the
/// variable accepts `1/0`, `true/false`, `yes/no`, `on/off` in any case (clap's default accepts only
/// `true`/`false`). Anything else is a usage error naming the variable.
pub(crate) fn env_bool() -> clap::builder::BoolishValueParser {
    clap::builder::BoolishValueParser::new()
}
