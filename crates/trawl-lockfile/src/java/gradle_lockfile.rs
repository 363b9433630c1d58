//! `gradle.lockfile` (and `*.lockfile` of dependency locking): `group:artifact:version=configuration,...` lines.
//! A package is dev when every configuration that locks it is a test configuration (`test...`).

use crate::util::{dedup, text};
use crate::{Error, Result, package, with_rel};
use trawl_types::{Ecosystem, Package};

/// Parses a gradle lockfile.
pub fn parse(content: &[u8]) -> Result<Vec<Package>> {
    let s = text(content);
    let mut out = Vec::new();
    for (i, line) in s.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with("empty=") {
            continue;
        }
        let (coord, confs) = line.split_once('=').unwrap_or((line, ""));
        let parts: Vec<&str> = coord.split(':').collect();
        let [g, a, v] = parts[..] else {
            return Err(Error::Syntax {
                line: i + 1,
                message: format!("expected group:artifact:version, got `{coord}`"),
            });
        };
        let dev = !confs.is_empty()
            && confs
                .split(',')
                .all(|c| c.trim().to_ascii_lowercase().starts_with("test"));
        out.push(with_rel(
            package(Ecosystem::Maven, format!("{g}:{a}"), v),
            None,
            dev,
        ));
    }
    Ok(dedup(out))
}
