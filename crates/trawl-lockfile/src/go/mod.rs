//! Go modules: build info of Go binaries and `go.mod`.

pub mod binary;
pub mod gomod;
pub mod pclntab;
