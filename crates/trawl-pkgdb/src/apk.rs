//! apk's database: `lib/apk/db/installed`.
//!
//! Stanzas separated by blank lines; each line is `X:value` with a one-letter key. Kept: `P` name, `V` version,
//! `A` arch, `o` origin (the source package), `L` licence, `m` maintainer, and the file list: `F:dir` opens a
//! directory, each following `R:file` is a file in it (`installed_files` gets `dir/file`). Other keys (`C`, `S`,
//! `I`, `T`, `U`, `t`, `c`, `D`, `p`, `r`, `i`, `a`, `M`, `Z`, `q`, `k`...) are ignored.
//!
//! A stanza without `P` or `V`, or with a line that is not `X:value`, is skipped with a warning naming its
//! line; the others are kept.

use crate::dpkg::shorten;
use crate::{Error, Format, Parsed, numbered_lines};
use trawl_types::{Ecosystem, Package};

#[derive(Default)]
struct Building {
    line: usize,
    pkg: Package,
    dir: String,
    problem: Option<String>,
    any: bool,
}

/// Parses `lib/apk/db/installed`.
///
/// Packages get `ecosystem = Apk`, `source_name` = origin (falling back to the name), `source_version` = the
/// version. `file_path` is left empty for the caller to fill.
///
/// # Errors
/// [`Error::NoValidRecord`] when the file has stanzas but none is a valid package. An empty file is `Ok`.
pub fn parse_installed(content: &[u8]) -> Result<Parsed<Package>, Error> {
    const MAX_APK_FIELD: usize = 64 * 1024;
    let mut parsed = Parsed::default();
    let mut broken = 0usize;
    let mut total = 0usize;
    let mut first = None;
    let mut cur = Building::default();
    let mut finish = |b: Building, parsed: &mut Parsed<Package>| {
        if !b.any {
            return;
        }
        total += 1;
        let problem = if let Some(p) = b.problem {
            Some(p)
        } else if b.pkg.name.is_empty() {
            Some(format!(
                "line {}: stanza without a `P:` (name) line",
                b.line
            ))
        } else if b.pkg.version.is_empty() {
            Some(format!(
                "line {}: package `{}` has no `V:` (version) line",
                b.line, b.pkg.name
            ))
        } else {
            None
        };
        if let Some(p) = problem {
            broken += 1;
            first.get_or_insert_with(|| p.clone());
            parsed
                .warnings
                .push(format!("{}: skipped a stanza: {p}", Format::ApkInstalled));
            return;
        }
        let mut pkg = b.pkg;
        if pkg.source_name.is_none() {
            pkg.source_name = Some(pkg.name.clone());
        }
        pkg.source_version = Some(pkg.version.clone());
        parsed.items.push(pkg);
    };
    for (n, line) in numbered_lines(content) {
        if line.trim().is_empty() {
            finish(std::mem::take(&mut cur), &mut parsed);
            continue;
        }
        if !cur.any {
            cur = Building {
                line: n,
                any: true,
                ..Building::default()
            };
            cur.pkg.ecosystem = Some(Ecosystem::Apk);
        }
        let bytes = line.as_bytes();
        if bytes.len() < 2 || bytes[1] != b':' {
            if cur.problem.is_none() {
                cur.problem = Some(format!(
                    "line {n}: expected `X:value`, found `{}`",
                    shorten(&line)
                ));
            }
            continue;
        }
        let value = line[2..].trim();
        if value.len() > MAX_APK_FIELD {
            // No real field is this long (paths are at most 4 KiB): a crafted line, not a package name.
            if cur.problem.is_none() {
                cur.problem = Some(format!(
                    "line {n}: `{}:` value of {} bytes is over the {MAX_APK_FIELD} byte limit",
                    char::from(bytes[0]),
                    value.len()
                ));
            }
            continue;
        }
        let p = &mut cur.pkg;
        match bytes[0] {
            b'P' => p.name = value.to_owned(),
            b'V' => p.version = value.to_owned(),
            b'A' => p.arch = Some(value.to_owned()).filter(|v| !v.is_empty()),
            b'o' => p.source_name = Some(value.to_owned()).filter(|v| !v.is_empty()),
            b'L' if !value.is_empty() => p.licenses = vec![value.to_owned()],
            b'm' => p.maintainer = Some(value.to_owned()).filter(|v| !v.is_empty()),
            b'F' => cur.dir = value.trim_matches('/').to_owned(),
            b'R' if !value.is_empty() => {
                let f = if cur.dir.is_empty() {
                    value.to_owned()
                } else {
                    format!("{}/{value}", cur.dir)
                };
                p.installed_files.push(f);
            }
            _ => {}
        }
    }
    finish(std::mem::take(&mut cur), &mut parsed);
    if parsed.items.is_empty() && broken > 0 && broken == total {
        return Err(Error::NoValidRecord {
            format: Format::ApkInstalled,
            count: broken,
            first: first.unwrap_or_default(),
        });
    }
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue #14: a 10 MB line is a skipped stanza with a warning, not a 10 MB package name.
    #[test]
    fn huge_field_is_refused() {
        let huge = "x".repeat(10 * 1024 * 1024);
        let db = format!("P:ok\nV:1.0-r0\n\nP:{huge}\nV:1.0-r0\n\n");
        let parsed = parse_installed(db.as_bytes()).expect("one valid stanza");
        assert_eq!(parsed.items.len(), 1);
        assert_eq!(parsed.items[0].name, "ok");
        assert!(
            parsed
                .warnings
                .iter()
                .any(|w| w
                    .contains("line 4: `P:` value of 10485760 bytes is over the 65536 byte limit")),
            "{:?}",
            parsed.warnings
        );
    }

    #[test]
    fn files_and_origin() {
        let t = b"P:musl\nV:1.1-r0\nA:x86_64\no:musl-src\nL:MIT\nF:lib\nR:libc.so\nR:ld.so\nF:usr/lib\nR:x\n\nP:bad\n\nP:b\nV:2\n";
        let p = parse_installed(t).expect("ok");
        assert_eq!(p.items.len(), 2);
        assert_eq!(
            p.items[0].installed_files,
            vec!["lib/libc.so", "lib/ld.so", "usr/lib/x"]
        );
        assert_eq!(p.items[0].source_name.as_deref(), Some("musl-src"));
        assert_eq!(p.items[1].source_name.as_deref(), Some("b"));
        assert_eq!(p.warnings.len(), 1);
        assert!(p.warnings[0].contains("line 12"), "{:?}", p.warnings);
    }

    #[test]
    fn garbage_errors() {
        let e = parse_installed(b"hello\nworld\n").expect_err("garbage");
        assert!(e.to_string().contains("line 1"), "{e}");
    }
}
