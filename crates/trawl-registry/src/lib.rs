//! OCI distribution client: auth, manifests, blobs, push, catalog.
