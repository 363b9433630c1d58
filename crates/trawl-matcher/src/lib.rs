//! Inventory x advisory DB -> findings.
