//! Rust binaries built with cargo-auditable: the `.dep-v0` section (`__dep_v0` on Mach-O) holds zlib-compressed
//! JSON `{"packages": [{"name", "version", "source", "kind", "dependencies": [index], "root": bool}]}`.

use crate::{Error, Result, package, with_rel};
use object::{Object, ObjectSection};
use serde::Deserialize;
use std::io::Read;
use trawl_types::{Ecosystem, Package, Relationship};

/// Upper bound of the decompressed dependency list (the format caps it far lower in practice).
const MAX_JSON: u64 = 64 << 20;

#[derive(Deserialize)]
struct DepInfo {
    packages: Vec<Pkg>,
}

#[derive(Deserialize)]
struct Pkg {
    name: String,
    version: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    dependencies: Vec<usize>,
    #[serde(default)]
    root: bool,
}

/// Whether `content` starts like an object file (ELF, PE, Mach-O, including fat Mach-O).
pub fn is_object_file(content: &[u8]) -> bool {
    content.starts_with(b"\x7fELF")
        || content.starts_with(b"MZ")
        || matches!(
            content.get(..4),
            Some([0xfe, 0xed, 0xfa, 0xce | 0xcf])
                | Some([0xce | 0xcf, 0xfa, 0xed, 0xfe])
                | Some([0xca, 0xfe, 0xba, 0xbe])
        )
}

/// Reads the cargo-auditable dependency list. `Ok(None)` when the file is not an object file or has no
/// `.dep-v0` section.
pub fn parse(content: &[u8]) -> Result<Option<Vec<Package>>> {
    if !is_object_file(content) {
        return Ok(None);
    }
    let Ok(file) = object::File::parse(content) else {
        return Ok(None);
    };
    let Some(section) = file
        .section_by_name(".dep-v0")
        .or_else(|| file.section_by_name("__dep_v0"))
    else {
        return Ok(None);
    };
    let data = section
        .data()
        .map_err(|e| Error::invalid(format!("cannot read the .dep-v0 section: {e}")))?;
    let mut json = Vec::new();
    flate2::read::ZlibDecoder::new(data)
        .take(MAX_JSON)
        .read_to_end(&mut json)
        .map_err(|e| Error::invalid(format!("the .dep-v0 section is not valid zlib: {e}")))?;
    let info: DepInfo = serde_json::from_slice(&json)
        .map_err(|e| Error::invalid(format!("the .dep-v0 JSON is invalid: {e}")))?;
    let direct: std::collections::HashSet<usize> = info
        .packages
        .iter()
        .filter(|p| p.root)
        .flat_map(|p| p.dependencies.iter().copied())
        .collect();
    let out = info
        .packages
        .iter()
        .enumerate()
        .filter(|(_, p)| p.root || p.source != "local")
        .map(|(i, p)| {
            let rel = if p.root {
                Relationship::Root
            } else if direct.contains(&i) {
                Relationship::Direct
            } else {
                Relationship::Indirect
            };
            let _ = &p.kind;
            with_rel(
                package(Ecosystem::Cargo, &p.name, &p.version),
                Some(rel),
                false,
            )
        })
        .collect();
    Ok(Some(out))
}
