//! Dockerfile, image-config and Kubernetes misconfiguration checks, custom Rego.
