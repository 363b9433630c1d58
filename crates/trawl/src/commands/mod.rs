//! One module per command.

pub(crate) mod baseline;
pub(crate) mod db;
pub(crate) mod debug;
pub(crate) mod scan;
