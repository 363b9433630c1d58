//! The DB as an OCI artifact, in any OCI registry (through `trawl-registry`).
//!
//! Layout (OCI image manifest v1.1 "artifact" form):
//! - manifest media type `application/vnd.oci.image.manifest.v1+json`, `artifactType`
//!   [`ARTIFACT_TYPE`] (`application/vnd.trawl.db.v1`);
//! - config: the OCI empty descriptor (`application/vnd.oci.empty.v1+json`, content `{}`);
//! - one layer, media type [`DB_LAYER_MEDIA_TYPE`] (`application/vnd.trawl.db.v1+sqlite`): the DB file itself,
//!   uncompressed (its texts are already zstd-compressed), annotated with `org.opencontainers.image.title`
//!   (`trawl.db`), [`ANNOTATION_SCHEMA`] and [`ANNOTATION_BUILT_AT`].
//!
//! The layer digest is the DB's verified digest: `pull` streams the blob, checking digest and size.

use crate::{AdvisoryDb, DbError};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;
use trawl_registry::{
    Client, ClientOptions, Descriptor, Digest, ImageManifest, Manifest, Reference,
};

/// `artifactType` of the manifest.
pub const ARTIFACT_TYPE: &str = "application/vnd.trawl.db.v1";
/// Media type of the layer holding the SQLite DB.
pub const DB_LAYER_MEDIA_TYPE: &str = "application/vnd.trawl.db.v1+sqlite";
/// Media type of the (empty) config.
pub const EMPTY_CONFIG_MEDIA_TYPE: &str = "application/vnd.oci.empty.v1+json";
/// Annotation carrying the DB schema version.
pub const ANNOTATION_SCHEMA: &str = "dev.trawl.db.schema-version";
/// Annotation carrying the build time.
pub const ANNOTATION_BUILT_AT: &str = "dev.trawl.db.built-at";
const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";

fn client(insecure: bool, timeout: Duration) -> Result<Client, DbError> {
    Client::new(ClientOptions {
        insecure,
        timeout,
        ..ClientOptions::default()
    })
    .map_err(|e| DbError::Oci {
        reference: String::new(),
        message: e.to_string(),
    })
}

fn parse_ref(reference: &str) -> Result<Reference, DbError> {
    reference.parse::<Reference>().map_err(|e| DbError::Oci {
        reference: reference.to_owned(),
        message: format!("bad reference: {e}"),
    })
}

fn oci_err(reference: &str) -> impl Fn(trawl_registry::Error) -> DbError + '_ {
    move |e| DbError::Oci {
        reference: reference.to_owned(),
        message: e.to_string(),
    }
}

/// Pushes the DB at `db_path` to `reference` (`registry/repo:tag`). Returns the manifest digest.
pub fn push(db_path: &Path, reference: &str, insecure: bool) -> Result<String, DbError> {
    let db = AdvisoryDb::open(db_path)?;
    let meta = db.metadata().clone();
    drop(db);
    let r = parse_ref(reference)?;
    let c = client(insecure, Duration::from_secs(300))?;
    let err = oci_err(reference);
    let (layer_digest, size) = c.push_blob_file(&r.repository, db_path).map_err(&err)?;
    let empty = b"{}";
    let config_digest = c.push_blob(&r.repository, empty).map_err(&err)?;
    let mut annotations = BTreeMap::new();
    annotations.insert(
        "org.opencontainers.image.title".to_owned(),
        "trawl.db".to_owned(),
    );
    annotations.insert(
        ANNOTATION_SCHEMA.to_owned(),
        meta.schema_version.to_string(),
    );
    annotations.insert(ANNOTATION_BUILT_AT.to_owned(), meta.built_at.clone());
    let manifest = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "artifactType": ARTIFACT_TYPE,
        "config": Descriptor {
            media_type: EMPTY_CONFIG_MEDIA_TYPE.to_owned(),
            digest: config_digest,
            size: empty.len() as u64,
            platform: None,
            urls: Vec::new(),
            annotations: BTreeMap::new(),
        },
        "layers": [Descriptor {
            media_type: DB_LAYER_MEDIA_TYPE.to_owned(),
            digest: layer_digest,
            size,
            platform: None,
            urls: Vec::new(),
            annotations,
        }],
        "annotations": { ANNOTATION_BUILT_AT: meta.built_at },
    });
    let bytes = serde_json::to_vec(&manifest).map_err(|e| DbError::Oci {
        reference: reference.to_owned(),
        message: e.to_string(),
    })?;
    let tag = r.tag.clone().unwrap_or_else(|| "latest".to_owned());
    let digest = c
        .push_manifest(&r.repository, &tag, OCI_MANIFEST, &bytes)
        .map_err(&err)?;
    Ok(digest.to_string())
}

/// Finds the DB layer of an artifact manifest.
fn db_layer<'m>(m: &'m ImageManifest, reference: &str) -> Result<&'m Descriptor, DbError> {
    m.layers
        .iter()
        .find(|l| l.media_type == DB_LAYER_MEDIA_TYPE)
        .ok_or_else(|| DbError::Oci {
            reference: reference.to_owned(),
            message: format!(
                "no layer of media type {DB_LAYER_MEDIA_TYPE}: not a trawl DB artifact"
            ),
        })
}

/// Streams the DB layer of `reference` into `out`, verified; returns the layer digest (`sha256:...`).
pub fn pull_to(
    reference: &str,
    out: &mut dyn std::io::Write,
    insecure: bool,
    timeout: Duration,
) -> Result<String, DbError> {
    let r = parse_ref(reference)?;
    let c = client(insecure, timeout)?;
    let err = oci_err(reference);
    let pulled = c.pull_manifest(&r).map_err(&err)?;
    let Manifest::Image(m) = pulled.manifest else {
        return Err(DbError::Oci {
            reference: reference.to_owned(),
            message: "an index, not a trawl DB artifact manifest".to_owned(),
        });
    };
    let layer = db_layer(&m, reference)?;
    let digest: Digest = layer.digest.clone();
    c.pull_blob_to(&r.repository, &digest, Some(layer.size), out)
        .map_err(&err)?;
    Ok(digest.to_string())
}

/// Pulls `reference` into `db_path` atomically (temporary file beside it, checked as a DB, then renamed).
/// Returns the layer digest.
pub fn pull(reference: &str, db_path: &Path, insecure: bool) -> Result<String, DbError> {
    let target = crate::db_destination(db_path)?;
    let dir = trawl_fs::parent_dir(&target);
    let mut tmp = trawl_fs::temp_file(&dir, "db-pull").map_err(|e| DbError::io(&dir, e))?;
    let digest = pull_to(
        reference,
        tmp.as_file_mut(),
        insecure,
        Duration::from_secs(600),
    )?;
    crate::check::full(tmp.path())
        .and_then(|()| AdvisoryDb::open_checked(tmp.path()))
        .map_err(|e| DbError::Oci {
            reference: reference.to_owned(),
            message: format!("pulled file is not a usable DB: {e}"),
        })?;
    tmp.persist(&target)
        .map_err(|e| DbError::io(&target, e.error))?;
    crate::check::stamp(&target);
    Ok(digest)
}
