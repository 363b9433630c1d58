//! How images given by name are looked for: the sources to try in order ([`ImageSrc`]) and everything a registry
//! or daemon source needs ([`RemoteOptions`]). Shared by `registry.rs` (which tries them in order) and
//! `daemon.rs`.

use crate::error::SourceError;
use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use trawl_registry::{Client, ClientOptions, PlatformSelector};

/// Where an image given by name is looked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImageSrc {
    /// The Docker Engine API (`DOCKER_HOST`, else `/var/run/docker.sock`).
    Docker,
    /// Podman's Docker-compatible API (`CONTAINER_HOST`, else the rootless then the rootful socket).
    Podman,
    /// The registry named in the reference.
    Remote,
}

impl ImageSrc {
    /// Trivy's default order.
    pub const DEFAULT_ORDER: [ImageSrc; 3] = [ImageSrc::Docker, ImageSrc::Podman, ImageSrc::Remote];

    /// `docker`, `podman`, `remote`.
    pub fn as_str(self) -> &'static str {
        match self {
            ImageSrc::Docker => "docker",
            ImageSrc::Podman => "podman",
            ImageSrc::Remote => "remote",
        }
    }
}

impl fmt::Display for ImageSrc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An image source name that is none of `docker`, `podman`, `remote` (or its synonym `registry`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown image source {value:?} (docker, podman, remote)")]
pub struct ParseImageSrcError {
    /// The value given, trimmed and lower-cased.
    value: String,
}

impl ParseImageSrcError {
    /// The value given (trimmed and lower-cased).
    pub fn value(&self) -> &str {
        &self.value
    }
}

impl FromStr for ImageSrc {
    type Err = ParseImageSrcError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "docker" => Ok(ImageSrc::Docker),
            "podman" => Ok(ImageSrc::Podman),
            "remote" | "registry" => Ok(ImageSrc::Remote),
            other => Err(ParseImageSrcError {
                value: other.to_owned(),
            }),
        }
    }
}

/// How images given by name are fetched.
#[derive(Debug, Clone)]
pub struct RemoteOptions {
    /// Sources to try, in order.
    pub image_src: Vec<ImageSrc>,
    /// The registry client, shared by every image of a run (tokens, connections). `None`: a default client
    /// (credentials from docker's config, TLS verified, loopback plain HTTP).
    pub client: Option<Client>,
    /// Platform(s) to take from a multi-platform index.
    pub platform: PlatformSelector,
    /// Docker Engine endpoint (`unix:///path`, `tcp://host:port`); `None`: `DOCKER_HOST`, else the default
    /// socket.
    pub docker_host: Option<String>,
    /// Podman endpoint; `None`: `CONTAINER_HOST`, else `$XDG_RUNTIME_DIR/podman/podman.sock`, else
    /// `/run/podman/podman.sock`.
    pub podman_host: Option<String>,
    /// Registry mirrors (`--registry-mirror HOST=MIRROR`), as pull-through caches are used: an image of `HOST`
    /// is looked for at each `MIRROR` (`host[:port][/path-prefix]`) first, in order, then at `HOST` itself.
    pub mirrors: Vec<(String, String)>,
}

impl Default for RemoteOptions {
    fn default() -> Self {
        RemoteOptions {
            image_src: ImageSrc::DEFAULT_ORDER.to_vec(),
            client: None,
            platform: PlatformSelector::Default,
            docker_host: None,
            podman_host: None,
            mirrors: Vec::new(),
        }
    }
}

impl PartialEq for RemoteOptions {
    fn eq(&self, other: &Self) -> bool {
        let same_client = match (&self.client, &other.client) {
            (None, None) => true,
            (Some(a), Some(b)) => a.same_as(b),
            _ => false,
        };
        same_client
            && self.image_src == other.image_src
            && self.platform == other.platform
            && self.docker_host == other.docker_host
            && self.podman_host == other.podman_host
            && self.mirrors == other.mirrors
    }
}

impl Eq for RemoteOptions {}

impl RemoteOptions {
    /// The sources of [`RemoteOptions::image_src`] that can answer at all: daemons whose socket is absent are
    /// left out (the registry always stays).
    pub fn reachable_sources(&self) -> Vec<ImageSrc> {
        self.image_src
            .iter()
            .copied()
            .filter(|s| *s == ImageSrc::Remote || may_be_running(*s, self))
            .collect()
    }

    /// The client to use (the given one, else a default one).
    pub fn client(&self) -> Result<Client, SourceError> {
        match &self.client {
            Some(c) => Ok(c.clone()),
            None => Client::new(ClientOptions::default()).map_err(|e| SourceError::Registry {
                reference: String::new(),
                error: Box::new(e),
            }),
        }
    }
}

/// Where a daemon listens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Endpoint {
    Unix(PathBuf),
    Tcp(String),
}

impl std::fmt::Display for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Endpoint::Unix(p) => write!(f, "unix://{}", p.display()),
            Endpoint::Tcp(a) => write!(f, "tcp://{a}"),
        }
    }
}

fn parse_endpoint(s: &str) -> Option<Endpoint> {
    if let Some(p) = s.strip_prefix("unix://") {
        return Some(Endpoint::Unix(PathBuf::from(p)));
    }
    if let Some(a) = s
        .strip_prefix("tcp://")
        .or_else(|| s.strip_prefix("http://"))
    {
        return Some(Endpoint::Tcp(a.trim_end_matches('/').to_owned()));
    }
    s.starts_with('/').then(|| Endpoint::Unix(PathBuf::from(s)))
}

pub(crate) fn endpoint(src: ImageSrc, opts: &RemoteOptions) -> Result<Endpoint, String> {
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let explicit = match src {
        ImageSrc::Docker => opts.docker_host.clone().or_else(|| env("DOCKER_HOST")),
        ImageSrc::Podman => opts.podman_host.clone().or_else(|| env("CONTAINER_HOST")),
        ImageSrc::Remote => None,
    };
    if let Some(e) = explicit {
        return parse_endpoint(&e)
            .ok_or_else(|| format!("unsupported daemon address {e:?} (unix:// or tcp://)"));
    }
    Ok(match src {
        ImageSrc::Podman => {
            let rootless =
                env("XDG_RUNTIME_DIR").map(|d| PathBuf::from(d).join("podman/podman.sock"));
            Endpoint::Unix(
                rootless
                    .filter(|p| p.exists())
                    .unwrap_or_else(|| PathBuf::from("/run/podman/podman.sock")),
            )
        }
        _ => Endpoint::Unix(PathBuf::from("/var/run/docker.sock")),
    })
}

/// Whether the daemon `src` may be running: its unix socket exists (a `tcp://` address is assumed up).
pub(crate) fn may_be_running(src: ImageSrc, opts: &RemoteOptions) -> bool {
    match endpoint(src, opts) {
        Ok(Endpoint::Unix(p)) => p.exists(),
        Ok(Endpoint::Tcp(_)) => true,
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints() {
        assert_eq!(
            parse_endpoint("unix:///run/x.sock"),
            Some(Endpoint::Unix("/run/x.sock".into()))
        );
        assert_eq!(
            parse_endpoint("tcp://127.0.0.1:2375"),
            Some(Endpoint::Tcp("127.0.0.1:2375".into()))
        );
        assert_eq!(parse_endpoint("ssh://host"), None);
    }
}
