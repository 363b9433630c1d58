//! One module per command. A command resolves its settings (`crate::settings`), runs the orchestration
//! (`crate::scan`, `crate::dbsupply`) and ends in `crate::output`; no command module imports another.

pub(crate) mod base;
pub(crate) mod config;
pub(crate) mod db;
pub(crate) mod debug;
pub(crate) mod explain;
pub(crate) mod fs;
pub(crate) mod image;
pub(crate) mod registry;
pub(crate) mod sbom;
pub(crate) mod server;
