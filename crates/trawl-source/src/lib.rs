//! Image sources: docker-archive, OCI layout, root filesystem, registry, daemon -> config + ordered layers.
