//! Registry operations on top of the request loop: manifests, image resolution per platform, listing, push.

use crate::client::{Client, Req, ReqBody, expect_success, read_limited, resolve_location};
use crate::error::{Error, Result};
use crate::manifest::{
    ConfigPlatform, ImageManifest, MANIFEST_ACCEPT, Manifest, Platform, PlatformSelector,
    PulledManifest, parse_manifest,
};
use crate::reference::{Digest, Reference, Registry, Repository};
use sha2::Digest as _;
use std::io::Read as _;
use std::path::Path;
use ureq::http;

/// Largest manifest accepted (the distribution spec suggests 4 MiB).
pub const MAX_MANIFEST_BYTES: u64 = 4 << 20;
/// Largest image config accepted.
pub const MAX_CONFIG_BYTES: u64 = 64 << 20;
const MAX_LISTING_BYTES: u64 = 32 << 20;
const PAGE_SIZE: u32 = 1000;

/// One image (one platform) resolved from a reference: its manifest and config, ready for layer download.
#[derive(Clone, Debug)]
pub struct ResolvedImage {
    /// The reference as asked.
    pub reference: Reference,
    /// The platform (from the index entry, else from the config).
    pub platform: Option<Platform>,
    /// The index the image was picked from, if any.
    pub index_digest: Option<Digest>,
    /// The image manifest's digest (what `repo@sha256:...` pins).
    pub manifest_digest: Digest,
    /// The image manifest's media type.
    pub manifest_media_type: String,
    /// The image manifest.
    pub manifest: ImageManifest,
    /// The raw config blob (verified against `manifest.config.digest`).
    pub config: Vec<u8>,
}

impl ResolvedImage {
    /// `registry/repo@sha256:...` of the image manifest.
    pub fn repo_digest(&self) -> String {
        format!("{}@{}", self.reference.repository, self.manifest_digest)
    }
}

impl Client {
    /// Pulls the manifest `reference` points at (tag or digest). When pulled by digest the bytes are verified.
    pub fn pull_manifest(&self, reference: &Reference) -> Result<PulledManifest> {
        self.pull_manifest_ref(
            &reference.repository,
            &reference.api_reference(),
            &reference.to_string(),
        )
    }

    /// Pulls manifest `tag_or_digest` of `repo`; `what` names it in errors.
    pub fn pull_manifest_ref(
        &self,
        repo: &Repository,
        tag_or_digest: &str,
        what: &str,
    ) -> Result<PulledManifest> {
        let st = self.state(&repo.registry)?;
        let url = format!("{}/v2/{}/manifests/{}", st.base, repo.name, tag_or_digest);
        let req = Req::get(url.clone(), pull_scope(repo)).header("accept", MANIFEST_ACCEPT);
        let resp = self.execute(&st, &req)?;
        let resp = expect_success(&st, "GET", &url, resp, "manifest", what)?;
        let content_type = resp
            .headers()
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let bytes = read_limited(resp, &url, MAX_MANIFEST_BYTES)?;
        let digest = match tag_or_digest.parse::<Digest>() {
            Ok(expected) => {
                let actual = digest_like(&expected, &bytes);
                if actual != expected {
                    return Err(Error::DigestMismatch {
                        registry: repo.registry.to_string(),
                        name: format!("{}@{expected}", repo.name),
                        actual: actual.to_string(),
                    });
                }
                expected
            }
            Err(_) => Digest::sha256_of(&bytes),
        };
        let (media_type, manifest) = parse_manifest(&content_type, &bytes, what)?;
        Ok(PulledManifest {
            media_type,
            digest,
            bytes,
            manifest,
        })
    }

    /// Resolves `reference` to one image per selected platform: pulls the manifest, picks from an index, checks a
    /// single image's platform against an explicit `--platform`, and fetches each config.
    pub fn resolve(
        &self,
        reference: &Reference,
        platforms: &PlatformSelector,
    ) -> Result<Vec<ResolvedImage>> {
        let what = reference.to_string();
        let top = self.pull_manifest(reference)?;
        let repo = &reference.repository;
        match top.manifest {
            Manifest::Image(manifest) => {
                let image = self.finish_image(
                    reference,
                    None,
                    None,
                    top.digest,
                    top.media_type,
                    *manifest,
                )?;
                if let PlatformSelector::Exact(wanted) = platforms
                    && let Some(actual) = &image.platform
                    && !actual.satisfies(wanted)
                {
                    return Err(Error::NoMatchingPlatform {
                        reference: what,
                        wanted: wanted.to_string(),
                        available: format!("{actual} (single-platform image)"),
                    });
                }
                Ok(vec![image])
            }
            Manifest::Index(index) => {
                let mut out = Vec::new();
                for entry in platforms.select(&index, &what)? {
                    let entry_what = format!("{}@{}", repo, entry.digest);
                    let pulled =
                        self.pull_manifest_ref(repo, &entry.digest.to_string(), &entry_what)?;
                    let manifest = match pulled.manifest {
                        Manifest::Image(m) => *m,
                        Manifest::Index(_) => {
                            return Err(Error::UnsupportedMediaType {
                                reference: entry_what,
                                media_type: format!(
                                    "{} (an index nested in an index)",
                                    pulled.media_type
                                ),
                            });
                        }
                    };
                    out.push(self.finish_image(
                        reference,
                        entry.platform.clone(),
                        Some(top.digest.clone()),
                        pulled.digest,
                        pulled.media_type,
                        manifest,
                    )?);
                }
                Ok(out)
            }
        }
    }

    fn finish_image(
        &self,
        reference: &Reference,
        platform: Option<Platform>,
        index_digest: Option<Digest>,
        manifest_digest: Digest,
        manifest_media_type: String,
        manifest: ImageManifest,
    ) -> Result<ResolvedImage> {
        let config = self.pull_blob_bytes(
            &reference.repository,
            &manifest.config.digest,
            Some(manifest.config.size),
            MAX_CONFIG_BYTES,
        )?;
        let platform = platform.or_else(|| ConfigPlatform::from_config(&config));
        Ok(ResolvedImage {
            reference: reference.clone(),
            platform,
            index_digest,
            manifest_digest,
            manifest_media_type,
            manifest,
            config,
        })
    }

    /// Every repository of `registry` (`GET /v2/_catalog`, following `Link` pagination).
    pub fn catalog(&self, registry: &Registry) -> Result<Vec<String>> {
        #[derive(serde::Deserialize)]
        struct Catalog {
            #[serde(default)]
            repositories: Option<Vec<String>>,
        }
        let st = self.state(registry)?;
        let first = format!("{}/v2/_catalog?n={PAGE_SIZE}", st.base);
        self.paginate(
            &st,
            first,
            "registry:catalog:*".into(),
            "repository catalog",
            |bytes, url| {
                let page: Catalog =
                    serde_json::from_slice(bytes).map_err(|source| Error::Json {
                        url: url.to_owned(),
                        what: "catalog",
                        cause: source,
                    })?;
                Ok(page.repositories.unwrap_or_default())
            },
        )
    }

    /// Every tag of `repo` (`GET /v2/NAME/tags/list`, following `Link` pagination).
    pub fn tags(&self, repo: &Repository) -> Result<Vec<String>> {
        #[derive(serde::Deserialize)]
        struct Tags {
            #[serde(default)]
            tags: Option<Vec<String>>,
        }
        let st = self.state(&repo.registry)?;
        let first = format!("{}/v2/{}/tags/list?n={PAGE_SIZE}", st.base, repo.name);
        self.paginate(&st, first, pull_scope(repo), "tag list", |bytes, url| {
            let page: Tags = serde_json::from_slice(bytes).map_err(|source| Error::Json {
                url: url.to_owned(),
                what: "tag list",
                cause: source,
            })?;
            Ok(page.tags.unwrap_or_default())
        })
    }

    fn paginate(
        &self,
        st: &crate::client::RegistryState,
        first: String,
        scope: String,
        what: &'static str,
        parse: impl Fn(&[u8], &str) -> Result<Vec<String>>,
    ) -> Result<Vec<String>> {
        let mut out = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let mut next = Some(first);
        while let Some(url) = next.take() {
            if !seen.insert(url.clone()) {
                break;
            }
            let resp = self.execute(st, &Req::get(url.clone(), scope.clone()))?;
            let resp = expect_success(st, "GET", &url, resp, "listing", what)?;
            next = resp
                .headers()
                .get_all(http::header::LINK)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .find_map(next_link)
                .map(|l| resolve_location(&st.base, &l));
            let bytes = read_limited(resp, &url, MAX_LISTING_BYTES)?;
            let page = parse(&bytes, &url)?;
            if page.is_empty() {
                break;
            }
            out.extend(page);
        }
        Ok(out)
    }

    /// Whether blob `digest` exists in `repo` (`HEAD`).
    pub fn blob_exists(&self, repo: &Repository, digest: &Digest) -> Result<bool> {
        let st = self.state(&repo.registry)?;
        let url = format!("{}/v2/{}/blobs/{}", st.base, repo.name, digest);
        let req = Req {
            method: http::Method::HEAD,
            ..Req::get(url.clone(), push_scope(repo))
        };
        let resp = self.execute(&st, &req)?;
        match resp.status().as_u16() {
            200..=299 => Ok(true),
            404 => Ok(false),
            _ => expect_success(&st, "HEAD", &url, resp, "blob", &digest.to_string()).map(|_| true),
        }
    }

    /// Uploads `data` as a blob of `repo` (monolithic: `POST` then `PUT ?digest=`), unless it is already there.
    /// Returns its sha256 digest.
    pub fn push_blob(&self, repo: &Repository, data: &[u8]) -> Result<Digest> {
        let digest = Digest::sha256_of(data);
        self.upload(repo, &digest, ReqBody::Bytes(data))?;
        Ok(digest)
    }

    /// Uploads the file at `path` as a blob of `repo` (hashing it first, then streaming it), unless it is already
    /// there. Returns its digest and size.
    pub fn push_blob_file(&self, repo: &Repository, path: &Path) -> Result<(Digest, u64)> {
        let io_err = |source| Error::Io {
            path: path.to_owned(),
            cause: source,
        };
        let mut file = std::fs::File::open(path).map_err(io_err)?;
        let mut hasher = sha2::Sha256::new();
        let mut buf = vec![0u8; 256 * 1024];
        let mut size = 0u64;
        loop {
            let n = file.read(&mut buf).map_err(io_err)?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
            size += n as u64;
        }
        let digest: Digest = format!("sha256:{}", hex::encode(hasher.finalize()))
            .parse()
            .expect("a sha256 hex digest is valid");
        self.upload(repo, &digest, ReqBody::File(path))?;
        Ok((digest, size))
    }

    fn upload(&self, repo: &Repository, digest: &Digest, body: ReqBody<'_>) -> Result<()> {
        if self.blob_exists(repo, digest)? {
            tracing::debug!(repo = %repo, %digest, "blob already present; not uploading");
            return Ok(());
        }
        let st = self.state(&repo.registry)?;
        let start = format!("{}/v2/{}/blobs/uploads/", st.base, repo.name);
        let req = Req {
            method: http::Method::POST,
            body: ReqBody::Bytes(&[]),
            ..Req::get(start.clone(), push_scope(repo))
        };
        let resp = self.execute(&st, &req)?;
        let resp = expect_success(&st, "POST", &start, resp, "repository", &repo.name)?;
        let location = resp
            .headers()
            .get(http::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| Error::Protocol {
                registry: repo.registry.to_string(),
                detail: format!("{start}: upload started without a Location header"),
            })?;
        let put_url = crate::client::with_query(
            &resolve_location(&st.base, location),
            &[("digest", &digest.to_string())],
        );
        let req = Req {
            method: http::Method::PUT,
            body,
            ..Req::get(put_url.clone(), push_scope(repo))
        }
        .header("content-type", "application/octet-stream");
        let resp = self.execute(&st, &req)?;
        expect_success(
            &st,
            "PUT",
            &put_url,
            resp,
            "upload",
            &format!("{}@{digest}", repo.name),
        )?;
        Ok(())
    }

    /// Uploads a manifest under `reference` (a tag or digest). Returns the manifest's digest.
    pub fn push_manifest(
        &self,
        repo: &Repository,
        reference: &str,
        media_type: &str,
        bytes: &[u8],
    ) -> Result<Digest> {
        let st = self.state(&repo.registry)?;
        let url = format!("{}/v2/{}/manifests/{}", st.base, repo.name, reference);
        let req = Req {
            method: http::Method::PUT,
            body: ReqBody::Bytes(bytes),
            ..Req::get(url.clone(), push_scope(repo))
        }
        .header("content-type", media_type);
        let resp = self.execute(&st, &req)?;
        expect_success(&st, "PUT", &url, resp, "repository", &repo.name)?;
        Ok(Digest::sha256_of(bytes))
    }
}

fn pull_scope(repo: &Repository) -> String {
    format!("repository:{}:pull", repo.name)
}

fn push_scope(repo: &Repository) -> String {
    format!("repository:{}:pull,push", repo.name)
}

fn digest_like(expected: &Digest, bytes: &[u8]) -> Digest {
    match expected.algorithm() {
        crate::reference::Algorithm::Sha256 => Digest::sha256_of(bytes),
        crate::reference::Algorithm::Sha512 => crate::reference::Digest::from_parts(
            expected.algorithm(),
            hex::encode(sha2::Sha512::digest(bytes)),
        ),
    }
}

/// The target of `rel="next"` in a `Link` header value.
fn next_link(header: &str) -> Option<String> {
    header.split(',').find_map(|part| {
        let part = part.trim();
        let (target, params) = part.strip_prefix('<')?.split_once('>')?;
        params
            .split(';')
            .any(|p| {
                let p = p.trim().replace(' ', "");
                p == "rel=\"next\"" || p == "rel=next"
            })
            .then(|| target.to_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_headers() {
        assert_eq!(
            next_link(r#"</v2/_catalog?last=b&n=2>; rel="next""#).as_deref(),
            Some("/v2/_catalog?last=b&n=2")
        );
        assert_eq!(
            next_link(r#"<http://x/a>; rel="prev", <http://x/b>; rel=next"#).as_deref(),
            Some("http://x/b")
        );
        assert_eq!(next_link("garbage"), None);
    }
}
