//! Severity and status filters, ignore files (.trivyignore, YAML), VEX, exit gating.
