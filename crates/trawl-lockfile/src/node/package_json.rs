//! An installed package's `package.json` (`node_modules/**/package.json`): one package, `name` and `version`.

use crate::util::json;
use crate::{Error, Result, package};
use serde::Deserialize;
use trawl_types::{Ecosystem, Package};

#[derive(Deserialize)]
struct Manifest {
    name: Option<String>,
    version: Option<String>,
    license: Option<serde_json::Value>,
}

/// Parses one package.json. Returns `None` for a manifest without name or version (a private app, a nested
/// `package.json` that only sets `"type": "module"`).
pub fn parse(content: &[u8]) -> Result<Option<Package>> {
    let m: Manifest = json(content).map_err(|e| match e {
        Error::Syntax { line, message } => Error::Syntax { line, message },
        other => other,
    })?;
    let (Some(name), Some(version)) = (m.name, m.version) else {
        return Ok(None);
    };
    if name.is_empty() || version.is_empty() {
        return Ok(None);
    }
    let mut p = package(Ecosystem::Npm, name, version);
    match m.license {
        Some(serde_json::Value::String(l)) => p.licenses.push(l),
        Some(serde_json::Value::Object(o)) => {
            if let Some(t) = o.get("type").and_then(|t| t.as_str()) {
                p.licenses.push(t.to_owned());
            }
        }
        _ => {}
    }
    Ok(Some(p))
}
