//! Version order for every ecosystem and OSV range evaluation.
