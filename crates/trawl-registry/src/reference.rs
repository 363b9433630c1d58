//! Image references (`REGISTRY/REPO[:TAG][@DIGEST]`), registries and digests.
//!
//! The grammar follows the OCI distribution spec and Docker's defaults: a first path component counts as a
//! registry host only when it contains `.` or `:`, is `localhost`, or has upper-case letters; otherwise the image
//! lives on Docker Hub (`docker.io`), where one-component names get the `library/` prefix (`alpine` ->
//! `docker.io/library/alpine:latest`). Docker Hub's API endpoint is `registry-1.docker.io`.

use crate::error::{Error, Result};
use std::fmt;
use std::str::FromStr;

/// Docker Hub's canonical registry name.
pub const DOCKER_HUB: &str = "docker.io";
/// Docker Hub's API host.
pub const DOCKER_HUB_API: &str = "registry-1.docker.io";
/// The key `docker login` writes for Docker Hub in `config.json`.
pub const DOCKER_HUB_CONFIG_KEY: &str = "https://index.docker.io/v1/";

/// A registry host with optional port, normalised (`index.docker.io` and `registry-1.docker.io` -> `docker.io`).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Registry(String);

impl Registry {
    /// Parses and normalises a registry host (`127.0.0.1:5000`, `ghcr.io`, `[::1]:5000`, `https://x.io/` is
    /// accepted too and reduced to its host).
    pub fn new(host: &str) -> Result<Self> {
        let trimmed = strip_scheme_and_path(host);
        if trimmed.is_empty() || !valid_host(trimmed) {
            return Err(Error::InvalidReference {
                reference: host.to_owned(),
                reason: "not a registry host name".into(),
            });
        }
        Ok(Self::normalised(trimmed))
    }

    fn normalised(host: &str) -> Self {
        let lower = host.to_ascii_lowercase();
        match lower.as_str() {
            "docker.io"
            | "index.docker.io"
            | "registry-1.docker.io"
            | "registry.hub.docker.com" => Registry(DOCKER_HUB.to_owned()),
            _ => Registry(lower),
        }
    }

    /// The normalised name (`docker.io`, `127.0.0.1:5000`).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True for Docker Hub.
    pub fn is_docker_hub(&self) -> bool {
        self.0 == DOCKER_HUB
    }

    /// The host (and port) the HTTP API is served on.
    pub fn api_host(&self) -> &str {
        if self.is_docker_hub() {
            DOCKER_HUB_API
        } else {
            &self.0
        }
    }

    /// The host without port.
    pub fn hostname(&self) -> &str {
        let s = self.0.as_str();
        if let Some(rest) = s.strip_prefix('[') {
            return rest.split(']').next().unwrap_or(rest);
        }
        s.rsplit_once(':').map_or(s, |(h, _)| h)
    }

    /// True for `localhost`, `127.0.0.0/8` and `::1`, which (like docker) default to plain HTTP and skip
    /// certificate checks.
    pub fn is_loopback(&self) -> bool {
        is_loopback_host(self.hostname())
    }
}

impl fmt::Display for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Registry({})", self.0)
    }
}

/// True for `localhost`, `*.localhost`, `127.0.0.0/8` and `::1` (a host name without port or brackets).
pub(crate) fn is_loopback_host(h: &str) -> bool {
    h.eq_ignore_ascii_case("localhost")
        || h.to_ascii_lowercase().ends_with(".localhost")
        || h == "::1"
        || h.parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Reduces `https://host:port/v1/` or `host/path` to `host:port`.
pub(crate) fn strip_scheme_and_path(s: &str) -> &str {
    let s = s.trim();
    let s = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"))
        .unwrap_or(s);
    s.split('/').next().unwrap_or(s)
}

fn valid_host(h: &str) -> bool {
    let (host, port) = if let Some(rest) = h.strip_prefix('[') {
        match rest.split_once(']') {
            Some((ip6, tail)) => (ip6, tail.strip_prefix(':')),
            None => return false,
        }
    } else {
        match h.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (h, None),
        }
    };
    let host_ok = !host.is_empty()
        && host.chars().all(|c| {
            c.is_ascii_alphanumeric() || c == '.' || c == '-' || (h.starts_with('[') && c == ':')
        });
    let port_ok =
        port.is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.chars().all(|c| c.is_ascii_digit()));
    host_ok && port_ok
}

/// A repository in a registry (`docker.io` + `library/alpine`).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct Repository {
    /// The registry.
    pub registry: Registry,
    /// The repository path (`library/alpine`).
    pub name: String,
}

impl Repository {
    /// A repository from a registry and a path; the path is validated.
    pub fn new(registry: Registry, name: &str) -> Result<Self> {
        validate_path(name).map_err(|reason| Error::InvalidReference {
            reference: format!("{registry}/{name}"),
            reason,
        })?;
        Ok(Self {
            registry,
            name: name.to_owned(),
        })
    }
}

impl fmt::Display for Repository {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.registry, self.name)
    }
}

/// A parsed image reference.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct Reference {
    /// Registry and repository.
    pub repository: Repository,
    /// The tag, if given (`latest` is implied when neither tag nor digest is).
    pub tag: Option<String>,
    /// The digest, if given; it wins over the tag when pulling.
    pub digest: Option<Digest>,
}

impl Reference {
    /// What to ask the registry for: the digest if present, else the tag, else `latest`.
    pub fn api_reference(&self) -> String {
        match (&self.digest, &self.tag) {
            (Some(d), _) => d.to_string(),
            (None, Some(t)) => t.clone(),
            (None, None) => "latest".to_owned(),
        }
    }

    /// The same repository at another tag or digest.
    pub fn with_digest(&self, digest: Digest) -> Reference {
        Reference {
            repository: self.repository.clone(),
            tag: self.tag.clone(),
            digest: Some(digest),
        }
    }

    /// The registry.
    pub fn registry(&self) -> &Registry {
        &self.repository.registry
    }
}

impl fmt::Display for Reference {
    /// The fully qualified form: `docker.io/library/alpine:latest`, `host:5000/a/b@sha256:...`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.repository)?;
        match (&self.tag, &self.digest) {
            (Some(t), Some(d)) => write!(f, ":{t}@{d}"),
            (Some(t), None) => write!(f, ":{t}"),
            (None, Some(d)) => write!(f, "@{d}"),
            (None, None) => f.write_str(":latest"),
        }
    }
}

impl FromStr for Reference {
    type Err = Error;

    fn from_str(input: &str) -> Result<Self> {
        let bad = |reason: &str| Error::InvalidReference {
            reference: input.to_owned(),
            reason: reason.to_owned(),
        };
        if input.is_empty() {
            return Err(bad("empty"));
        }
        if input.len() > 1024 || input.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad("contains whitespace or is too long"));
        }
        let (rest, digest) = match input.split_once('@') {
            Some((rest, d)) => (
                rest,
                Some(d.parse::<Digest>().map_err(|_| bad("invalid digest"))?),
            ),
            None => (input, None),
        };
        let (rest, tag) = match rest.rfind(':') {
            Some(i) if !rest[i + 1..].contains('/') => (&rest[..i], Some(&rest[i + 1..])),
            _ => (rest, None),
        };
        if let Some(t) = tag
            && !valid_tag(t)
        {
            return Err(bad(
                "invalid tag (letters, digits, '_', '.', '-'; at most 128; not starting with '.' or '-')",
            ));
        }
        let (registry, path) = match rest.split_once('/') {
            Some((first, path))
                if first.contains(['.', ':'])
                    || first == "localhost"
                    || first.chars().any(|c| c.is_ascii_uppercase()) =>
            {
                if !valid_host(first) {
                    return Err(bad("invalid registry host"));
                }
                (Registry::normalised(first), path.to_owned())
            }
            _ => (Registry(DOCKER_HUB.to_owned()), rest.to_owned()),
        };
        let path = if registry.is_docker_hub() && !path.contains('/') {
            format!("library/{path}")
        } else {
            path
        };
        validate_path(&path).map_err(|r| bad(&r))?;
        Ok(Reference {
            repository: Repository {
                registry,
                name: path,
            },
            tag: tag.map(str::to_owned),
            digest,
        })
    }
}

fn valid_tag(t: &str) -> bool {
    let mut chars = t.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphanumeric() || c == '_')
        && t.len() <= 128
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

/// A path component: `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*`.
fn validate_path(path: &str) -> std::result::Result<(), String> {
    if path.is_empty() {
        return Err("empty repository name".into());
    }
    if path.len() > 255 {
        return Err("repository name longer than 255 characters".into());
    }
    for comp in path.split('/') {
        let ok = !comp.is_empty()
            && comp.chars().all(|c| {
                c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-')
            })
            && comp.starts_with(|c: char| c.is_ascii_alphanumeric())
            && comp.ends_with(|c: char| c.is_ascii_alphanumeric())
            && !comp.contains("..")
            && !comp.contains("___")
            && !comp.contains("._")
            && !comp.contains("_.")
            && !comp.contains(".-")
            && !comp.contains("-.")
            && !comp.contains("_-")
            && !comp.contains("-_");
        if !ok {
            return Err(format!(
                "invalid repository path component {comp:?} (lower-case letters, digits and single separators)"
            ));
        }
    }
    Ok(())
}

/// Hash algorithms of content digests.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub enum Algorithm {
    /// `sha256` (what every registry uses).
    Sha256,
    /// `sha512`.
    Sha512,
}

/// A content digest, `sha256:<64 hex>` (or `sha512:<128 hex>`).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Digest {
    algorithm: Algorithm,
    hex: String,
}

impl Digest {
    /// The sha256 digest of `data`.
    pub fn sha256_of(data: &[u8]) -> Digest {
        use sha2::Digest as _;
        Digest {
            algorithm: Algorithm::Sha256,
            hex: hex::encode(sha2::Sha256::digest(data)),
        }
    }

    /// The algorithm.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The lower-case hex part.
    pub fn hex(&self) -> &str {
        &self.hex
    }

    pub(crate) fn from_parts(algorithm: Algorithm, hex: String) -> Digest {
        Digest { algorithm, hex }
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let algo = match self.algorithm {
            Algorithm::Sha256 => "sha256",
            Algorithm::Sha512 => "sha512",
        };
        write!(f, "{algo}:{}", self.hex)
    }
}

impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Digest({self})")
    }
}

impl FromStr for Digest {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        let bad = |reason: &str| Error::InvalidReference {
            reference: s.to_owned(),
            reason: reason.to_owned(),
        };
        let (algo, hex) = s
            .split_once(':')
            .ok_or_else(|| bad("digest without algorithm"))?;
        let (algorithm, len) = match algo {
            "sha256" => (Algorithm::Sha256, 64),
            "sha512" => (Algorithm::Sha512, 128),
            _ => return Err(bad("unsupported digest algorithm (sha256 and sha512 are)")),
        };
        if hex.len() != len
            || !hex
                .chars()
                .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
        {
            return Err(bad("digest hex has the wrong length or characters"));
        }
        Ok(Digest {
            algorithm,
            hex: hex.to_owned(),
        })
    }
}

impl serde::Serialize for Digest {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Digest {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(s: &str) -> String {
        s.parse::<Reference>().expect("valid").to_string()
    }

    #[test]
    fn docker_hub_defaults() {
        assert_eq!(r("alpine"), "docker.io/library/alpine:latest");
        assert_eq!(r("alpine:3.20"), "docker.io/library/alpine:3.20");
        assert_eq!(r("aquasec/trivy:0.50"), "docker.io/aquasec/trivy:0.50");
        assert_eq!(
            r("index.docker.io/library/alpine"),
            "docker.io/library/alpine:latest"
        );
        let hub: Reference = "alpine".parse().expect("valid");
        assert_eq!(hub.registry().api_host(), "registry-1.docker.io");
        assert_eq!(hub.api_reference(), "latest");
    }

    #[test]
    fn hosts_ports_digests() {
        let d = format!("sha256:{}", "a".repeat(64));
        let x: Reference = format!("127.0.0.1:5000/team/app:v1@{d}")
            .parse()
            .expect("valid");
        assert_eq!(x.registry().as_str(), "127.0.0.1:5000");
        assert!(x.registry().is_loopback());
        assert_eq!(x.repository.name, "team/app");
        assert_eq!(x.tag.as_deref(), Some("v1"));
        assert_eq!(x.api_reference(), d);
        let y: Reference = "localhost/app".parse().expect("valid");
        assert_eq!(y.registry().as_str(), "localhost");
        assert!(y.registry().is_loopback());
        let z: Reference = "ghcr.io/org/sub/img".parse().expect("valid");
        assert_eq!(z.repository.name, "org/sub/img");
        assert!(!z.registry().is_loopback());
        let w: Reference = "localhost:5000/app:1.0".parse().expect("valid");
        assert_eq!(w.registry().hostname(), "localhost");
        let v6: Reference = "[::1]:5000/app".parse().expect("valid");
        assert!(v6.registry().is_loopback());
    }

    #[test]
    fn rejects_bad_references() {
        for bad in [
            "",
            "Alpine",
            "alpine:",
            "alpine:-x",
            "a b",
            "alpine@sha256:123",
            "alpine@md5:abcd",
            "host:5000/",
            "ghcr.io//x",
            "x/Y",
            "a__-b",
            "host:port/x",
        ] {
            assert!(
                bad.parse::<Reference>().is_err(),
                "{bad:?} should be rejected"
            );
        }
    }

    #[test]
    fn registry_normalisation() {
        assert_eq!(
            Registry::new("https://index.docker.io/v1/")
                .expect("ok")
                .as_str(),
            "docker.io"
        );
        assert_eq!(
            Registry::new("http://Example.COM:5000")
                .expect("ok")
                .as_str(),
            "example.com:5000"
        );
        assert!(Registry::new("").is_err());
    }

    #[test]
    fn digest_roundtrip() {
        let d = Digest::sha256_of(b"");
        assert_eq!(
            d.to_string(),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(d.to_string().parse::<Digest>().expect("valid"), d);
        assert!("sha256:E3B0".parse::<Digest>().is_err());
    }
}
