//! One module per command.

pub(crate) mod baseline;
pub(crate) mod config;
pub(crate) mod db;
pub(crate) mod debug;
pub(crate) mod registry;
pub(crate) mod sbom;
pub(crate) mod scan;
