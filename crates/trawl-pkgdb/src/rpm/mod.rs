//! rpm: header blobs and the three rpmdb backends.
//!
//! Every backend stores one *header blob* per installed package; [`header`] parses a blob, [`bdb`], [`ndb`] and
//! [`sqlite`] get the blobs out of `Packages` (Berkeley DB hash), `Packages.db` (NDB) and `rpmdb.sqlite`.
//! [`parse_rpmdb`] picks the backend from the file's magic bytes.
//!
//! Kept per package: NAME, EPOCH, VERSION, RELEASE, ARCH, SOURCERPM, LICENSE, VENDOR, PACKAGER,
//! MODULARITYLABEL and the file list (BASENAMES/DIRNAMES/DIRINDEXES, or OLDFILENAMES in old headers).
//! `gpg-pubkey` pseudo-packages (imported signing keys) are kept, as `rpm -qa` lists them; see
//! [`is_gpg_pubkey`].

pub mod bdb;
pub mod header;
pub mod ndb;
pub mod sqlite;

use crate::{Error, Format, Parsed};
use header::{Header, tag};
use trawl_types::{Ecosystem, Package};

/// Which rpmdb backend a file is, by its magic bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// `rpmdb.sqlite`.
    Sqlite,
    /// Berkeley DB hash `Packages`.
    Bdb,
    /// NDB `Packages.db`.
    Ndb,
}

/// Detects the backend from the first bytes of the file.
pub fn detect(content: &[u8]) -> Option<Backend> {
    if content.starts_with(b"SQLite format 3\0") {
        Some(Backend::Sqlite)
    } else if content.starts_with(b"RpmP") {
        Some(Backend::Ndb)
    } else if bdb::is_hash_db(content) {
        Some(Backend::Bdb)
    } else {
        None
    }
}

/// Parses an rpmdb of any backend into packages. A header blob that does not parse is skipped with a warning
/// naming its position.
///
/// # Errors
/// [`Error::NotThisFormat`] when the magic bytes match no backend; the backend's error when its structure is
/// broken.
pub fn parse_rpmdb(content: &[u8]) -> Result<Parsed<Package>, Error> {
    let mut parsed = Parsed::default();
    let mut on_blob = |label: String, blob: &[u8]| match parse_blob(blob) {
        Ok((p, file_err)) => {
            if let Some(e) = file_err {
                parsed.warnings.push(format!(
                    "{label}: package {}: file list unreadable, left empty: {e}",
                    p.name
                ));
            }
            parsed.items.push(p);
        }
        Err(e) => parsed.warnings.push(format!("{label}: skipped: {e}")),
    };
    let warnings = match detect(content) {
        Some(Backend::Sqlite) => sqlite::for_each_blob(content, &mut on_blob)?,
        Some(Backend::Bdb) => bdb::for_each_blob(content, &mut on_blob)?,
        Some(Backend::Ndb) => ndb::for_each_blob(content, &mut on_blob)?,
        None => {
            return Err(Error::NotThisFormat {
                format: Format::RpmHeader,
                message: "not an rpmdb: neither SQLite, NDB (`RpmP`) nor Berkeley DB hash magic"
                    .into(),
            });
        }
    };
    parsed.warnings.extend(warnings);
    Ok(parsed)
}

/// A callback receiving each header blob with a label naming where it was found (for warnings).
pub type OnBlob<'a> = dyn FnMut(String, &[u8]) + 'a;

/// Whether a package is an imported signing key (`gpg-pubkey`), not software.
pub fn is_gpg_pubkey(p: &Package) -> bool {
    p.name == "gpg-pubkey"
}

/// Splits a SOURCERPM file name (`glibc-2.34-2.cm2.src.rpm`) into name and `version-release`.
pub fn split_source_rpm(srpm: &str) -> Option<(String, String)> {
    let stem = srpm
        .strip_suffix(".src.rpm")
        .or_else(|| srpm.strip_suffix(".nosrc.rpm"))?;
    let (rest, release) = stem.rsplit_once('-')?;
    let (name, version) = rest.rsplit_once('-')?;
    if name.is_empty() || version.is_empty() || release.is_empty() {
        return None;
    }
    Some((name.to_owned(), format!("{version}-{release}")))
}

/// Builds a [`Package`] from a parsed header (without its file list: see [`file_list`]).
///
/// # Errors
/// [`Error::Corrupt`] when NAME or VERSION is missing.
pub fn package_from_header(h: &Header<'_>) -> Result<Package, Error> {
    let missing = |what: &str| Error::Corrupt {
        format: Format::RpmHeader,
        offset: 0,
        message: format!("header has no {what} tag"),
    };
    let name = h.string(tag::NAME)?.ok_or_else(|| missing("NAME"))?;
    let version = h.string(tag::VERSION)?.ok_or_else(|| missing("VERSION"))?;
    let release = h.string(tag::RELEASE)?.unwrap_or_default();
    let epoch = h.int32_array(tag::EPOCH)?.and_then(|v| v.first().copied());
    let evr = {
        let vr = if release.is_empty() {
            version.clone()
        } else {
            format!("{version}-{release}")
        };
        match epoch {
            Some(e) if e > 0 => format!("{e}:{vr}"),
            _ => vr,
        }
    };
    let (source_name, source_version) = match h
        .string(tag::SOURCERPM)?
        .as_deref()
        .and_then(split_source_rpm)
    {
        Some((n, v)) => (Some(n), Some(v)),
        None => (None, None),
    };
    Ok(Package {
        ecosystem: Some(Ecosystem::Rpm),
        name,
        version: evr,
        epoch,
        rpm_version: Some(version),
        release: Some(release),
        source_name,
        source_version,
        arch: h.string(tag::ARCH)?,
        licenses: h.string(tag::LICENSE)?.into_iter().collect(),
        maintainer: h.string(tag::PACKAGER)?,
        vendor: h.string(tag::VENDOR)?,
        modularity_label: h.string(tag::MODULARITYLABEL)?,
        ..Package::default()
    })
}

/// The files a header says the package owns, without the leading `/`: BASENAMES joined to DIRNAMES through
/// DIRINDEXES, or OLDFILENAMES in old headers. Empty when the header has no file list.
///
/// # Errors
/// [`Error::Corrupt`] when the three arrays do not fit together (rpm itself refuses such a header's file list).
pub fn file_list(h: &Header<'_>) -> Result<Vec<String>, Error> {
    let mut files = Vec::new();
    if let (Some(base), Some(dirs), Some(idx)) = (
        h.string_array(tag::BASENAMES)?,
        h.string_array(tag::DIRNAMES)?,
        h.int32_array(tag::DIRINDEXES)?,
    ) {
        if base.len() != idx.len() {
            return Err(Error::Corrupt {
                format: Format::RpmHeader,
                offset: 0,
                message: format!("{} BASENAMES but {} DIRINDEXES", base.len(), idx.len()),
            });
        }
        files.reserve(base.len());
        for (b, i) in base.iter().zip(&idx) {
            let dir = dirs.get(*i as usize).ok_or_else(|| Error::Corrupt {
                format: Format::RpmHeader,
                offset: 0,
                message: format!("DIRINDEXES entry {i} beyond the {} DIRNAMES", dirs.len()),
            })?;
            files.push(format!("{}{b}", dir.trim_start_matches('/')));
        }
    } else if let Some(old) = h.string_array(tag::OLDFILENAMES)? {
        files.extend(
            old.into_iter()
                .map(|f| f.trim_start_matches('/').to_owned()),
        );
    }
    Ok(files)
}

/// Parses one header blob into a package with its file list. A broken file list does not lose the package: it
/// is left empty and the problem returned beside it.
///
/// # Errors
/// As [`Header::parse`] and [`package_from_header`].
pub fn parse_blob(blob: &[u8]) -> Result<(Package, Option<Error>), Error> {
    let h = Header::parse(blob)?;
    let mut p = package_from_header(&h)?;
    match file_list(&h) {
        Ok(files) => {
            p.installed_files = files;
            Ok((p, None))
        }
        Err(e) => Ok((p, Some(e))),
    }
}

/// Reads a little- or big-endian u32 at `off`, or `None` past the end.
pub(crate) fn u32_at(b: &[u8], off: usize, le: bool) -> Option<u32> {
    let s: [u8; 4] = b.get(off..off.checked_add(4)?)?.try_into().ok()?;
    Some(if le {
        u32::from_le_bytes(s)
    } else {
        u32::from_be_bytes(s)
    })
}

/// Reads a little- or big-endian u16 at `off`.
pub(crate) fn u16_at(b: &[u8], off: usize, le: bool) -> Option<u16> {
    let s: [u8; 2] = b.get(off..off.checked_add(2)?)?.try_into().ok()?;
    Some(if le {
        u16::from_le_bytes(s)
    } else {
        u16::from_be_bytes(s)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn srpm_names() {
        assert_eq!(
            split_source_rpm("glibc-2.34-2.cm2.src.rpm"),
            Some(("glibc".into(), "2.34-2.cm2".into()))
        );
        assert_eq!(
            split_source_rpm("gcc12-12.2.1+git416-150000.1.5.1.src.rpm"),
            Some(("gcc12".into(), "12.2.1+git416-150000.1.5.1".into()))
        );
        assert_eq!(split_source_rpm("foo.src.rpm"), None);
        assert_eq!(split_source_rpm("(none)"), None);
    }

    #[test]
    fn unknown_magic() {
        assert!(matches!(
            parse_rpmdb(b"hello world, not a database at all"),
            Err(Error::NotThisFormat { .. })
        ));
        assert!(parse_rpmdb(b"").is_err());
    }
}
