//! Registry and daemon flags, and `trawl registry`.

use clap::{Args, Subcommand};
use std::path::PathBuf;
use trawl_registry::Secret;

pub(super) fn secret(s: &str) -> Result<Secret, String> {
    Ok(Secret::new(s))
}

/// Registry and daemon flags (shared by `trawl image` and `trawl registry scan`). Secrets are parsed into
/// [`Secret`], so `Debug` output never shows them.
#[derive(Debug, Args, Clone, Default)]
pub(crate) struct RemoteArgs {
    /// Registry user name.
    #[arg(long, env = "TRAWL_USERNAME")]
    pub(crate) username: Option<String>,
    /// Registry password (prefer --password-stdin or TRAWL_PASSWORD: arguments are visible to other users).
    #[arg(long, env = "TRAWL_PASSWORD", hide_env_values = true, value_parser = secret)]
    pub(crate) password: Option<Secret>,
    /// Read the registry password from standard input (wins over --password / TRAWL_PASSWORD).
    #[arg(long)]
    pub(crate) password_stdin: bool,
    /// A bearer token sent as-is to registries that ask for authentication (instead of a user and password).
    #[arg(long, env = "TRAWL_REGISTRY_TOKEN", hide_env_values = true, value_parser = secret)]
    pub(crate) registry_token: Option<Secret>,
    /// Plain HTTP, or HTTPS without certificate verification (loopback registries get this automatically).
    #[arg(long, value_parser = super::env_bool(), env = "TRAWL_INSECURE")]
    pub(crate) insecure: bool,
    /// PEM file(s) of CA certificates to trust instead of the built-in roots.
    #[arg(long, env = "TRAWL_CACERT", value_delimiter = ',')]
    pub(crate) cacert: Vec<PathBuf>,
    /// Network timeout for connecting, awaiting a response and each read: `30s`, `2m`, or seconds [default: 60s].
    #[arg(long, env = "TRAWL_TIMEOUT")]
    pub(crate) timeout: Option<String>,
    /// Platform to take from multi-platform images: `os/arch[/variant]` or `all` [default: the host's, else
    /// linux/amd64].
    #[arg(long, env = "TRAWL_PLATFORM")]
    pub(crate) platform: Option<String>,
    /// Where images given by name are looked for, in order [default: docker,podman,remote].
    #[arg(long, env = "TRAWL_IMAGE_SRC", value_delimiter = ',')]
    pub(crate) image_src: Vec<String>,
    /// A file of image references to scan, one per line (`#` comments and blank lines skipped).
    #[arg(long, env = "TRAWL_IMAGES_FROM")]
    pub(crate) images_from: Option<PathBuf>,
}

/// `--discovery`: how `trawl registry scan` lists what to scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Discovery {
    /// The registry API's `/v2/_catalog` and tag lists (docker-registry, Harbor, Artifactory, Nexus...).
    Catalog,
    /// The Amazon ECR API (DescribeRepositories, DescribeImages), with AWS credentials from the standard chain
    /// and registry credentials from GetAuthorizationToken.
    Ecr,
    /// The GitHub packages API for `ghcr.io/OWNER` (token from GITHUB_TOKEN; API at GITHUB_API_URL).
    Ghcr,
    /// The Docker Hub API for `docker.io/NAMESPACE` (TRAWL_USERNAME + a personal access token for private ones).
    Dockerhub,
    /// The Harbor v2.0 API (projects, repositories, artifacts), detected with /api/v2.0/systeminfo.
    Harbor,
}

/// `trawl registry` subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum RegistryCommand {
    /// Scan the images of a registry, or of the repositories under REGISTRY/PREFIX, into one report.
    Scan(RegistryScanArgs),
}

/// Arguments of `trawl registry scan`.
#[derive(Debug, Args)]
pub(crate) struct RegistryScanArgs {
    /// `REGISTRY[/PREFIX]`, e.g. `127.0.0.1:5000`, `registry.example.com/team`.
    pub(crate) target: String,
    /// Tags to scan: `latest`, `all`, or a regular expression that must match the whole tag.
    #[arg(long, env = "TRAWL_TAGS", default_value = "latest")]
    pub(crate) tags: String,
    /// Scan at most this many images (repositories and tags in sorted order).
    #[arg(long, env = "TRAWL_MAX_IMAGES")]
    pub(crate) max_images: Option<usize>,
    /// How repositories and tags are listed [default: from the host: `ecr` for `*.dkr.ecr.*.amazonaws.com`,
    /// `ghcr` for ghcr.io, `dockerhub` for docker.io, `harbor` when the host answers Harbor's API, else
    /// `catalog`].
    #[arg(long, value_enum, env = "TRAWL_DISCOVERY")]
    pub(crate) discovery: Option<Discovery>,
    /// Only repositories whose whole name matches this regular expression.
    #[arg(long, env = "TRAWL_REPOSITORIES")]
    pub(crate) repositories: Option<String>,
    /// Only images pushed within this long (`7d`, `12h`); needs a discovery that knows push times (all but
    /// catalog).
    #[arg(long, env = "TRAWL_PUSHED_SINCE")]
    pub(crate) pushed_since: Option<String>,
    /// Keep inventories and reports in this PostgreSQL (`postgres://...`, the store of `trawl server`): an image
    /// whose manifest digest already has an inventory there is not pulled again, only re-matched.
    #[arg(long, env = "TRAWL_STORE", hide_env_values = true)]
    pub(crate) store: Option<String>,
    #[command(flatten)]
    pub(crate) remote: RemoteArgs,
    #[command(flatten)]
    pub(crate) scan: super::ScanArgs,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_do_not_show_in_debug() {
        let args = RemoteArgs {
            username: Some("bob".into()),
            password: Some(Secret::new("hunter2-pw")),
            registry_token: Some(Secret::new("tok-secret")),
            ..RemoteArgs::default()
        };
        let dbg = format!("{args:?}");
        assert!(
            !dbg.contains("hunter2-pw") && !dbg.contains("tok-secret"),
            "{dbg}"
        );
    }
}
