//! Core metadata (`METADATA` in `*.dist-info`, `PKG-INFO` in `*.egg-info` or an sdist): the `Name`, `Version`
//! and `License` headers of an RFC 822 style header block.

use crate::util::text;
use crate::{Error, Result, package};
use trawl_types::{Ecosystem, Package};

/// Parses a METADATA / PKG-INFO file.
pub fn parse(content: &[u8]) -> Result<Package> {
    let s = text(content);
    let (mut name, mut version, mut license, mut classifier_license) = (None, None, None, None);
    for line in s.lines() {
        if line.is_empty() {
            break; // end of headers; the description follows
        }
        if line.starts_with([' ', '\t']) {
            continue; // continuation line
        }
        let Some((k, v)) = line.split_once(':') else {
            continue;
        };
        let v = v.trim();
        match k.trim().to_ascii_lowercase().as_str() {
            "name" => name = Some(v.to_owned()),
            "version" => version = Some(v.to_owned()),
            "license-expression" => license = Some(v.to_owned()),
            "license" if license.is_none() && !v.is_empty() && v != "UNKNOWN" && v.len() < 100 => {
                license = Some(v.to_owned())
            }
            "classifier" if classifier_license.is_none() => {
                if let Some(l) = v.strip_prefix("License :: OSI Approved :: ") {
                    classifier_license = Some(l.to_owned());
                }
            }
            _ => {}
        }
    }
    match (
        name.filter(|n| !n.is_empty()),
        version.filter(|v| !v.is_empty()),
    ) {
        (Some(n), Some(v)) => {
            let mut p = package(Ecosystem::PyPI, n, v);
            p.licenses.extend(license.or(classifier_license));
            Ok(p)
        }
        (None, _) => Err(Error::invalid("no `Name:` header in the metadata")),
        (_, None) => Err(Error::invalid("no `Version:` header in the metadata")),
    }
}
