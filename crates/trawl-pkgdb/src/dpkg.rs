//! dpkg's database: `var/lib/dpkg/status`, distroless `var/lib/dpkg/status.d/*`, and `info/<pkg>.list`.
//!
//! The status file is a sequence of RFC 822-like stanzas separated by blank lines. Each field is `Name: value`;
//! a line starting with a space or tab continues the previous field. Field names are case-insensitive.
//!
//! Kept: `Package`, `Version` (as written: `[epoch:]upstream[-revision]`), `Architecture`, `Maintainer`, `Source`
//! (`name` or `name (version)`), `Status`. A stanza counts as installed when the third word of `Status` is
//! `installed` (`install ok installed`, `hold ok installed`); `config-files`, `half-installed`, `unpacked`...
//! are not installed and are skipped silently. A stanza without `Status` (distroless `status.d` entries never
//! have one) counts as installed.
//!
//! A stanza without `Package` or `Version`, or with a line that is neither a field nor a continuation, is
//! skipped with a warning naming its first line; the other stanzas are kept.

use crate::{Error, Format, Parsed, numbered_lines};
use trawl_types::{Ecosystem, Package};

/// One stanza: fields in order, and the line the stanza starts on.
#[derive(Debug, Default)]
struct Stanza {
    line: usize,
    fields: Vec<(String, String)>,
    problem: Option<String>,
}

impl Stanza {
    fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }
}

fn stanzas(content: &[u8]) -> Vec<Stanza> {
    let mut out = Vec::new();
    let mut cur: Option<Stanza> = None;
    for (n, line) in numbered_lines(content) {
        if line.trim().is_empty() {
            if let Some(s) = cur.take() {
                out.push(s);
            }
            continue;
        }
        let s = cur.get_or_insert_with(|| Stanza {
            line: n,
            ..Stanza::default()
        });
        if line.starts_with(' ') || line.starts_with('\t') {
            // Continuation of the previous field; only multi-line fields we do not keep use it.
            if s.fields.is_empty() && s.problem.is_none() {
                s.problem = Some(format!("line {n}: continuation line before any field"));
            }
            continue;
        }
        if line.starts_with('#') {
            continue;
        }
        match line.split_once(':') {
            Some((k, v)) if !k.is_empty() && !k.contains(char::is_whitespace) => {
                s.fields.push((k.to_owned(), v.trim().to_owned()));
            }
            _ => {
                if s.problem.is_none() {
                    s.problem = Some(format!(
                        "line {n}: expected `Field: value`, found `{}`",
                        shorten(&line)
                    ));
                }
            }
        }
    }
    if let Some(s) = cur.take() {
        out.push(s);
    }
    out
}

pub(crate) fn shorten(s: &str) -> String {
    let mut t: String = s.chars().take(60).collect();
    if t.len() < s.len() {
        t.push('…');
    }
    t
}

/// Parses `Source: name (version)` into name and optional version.
pub fn parse_source(field: &str) -> (String, Option<String>) {
    let field = field.trim();
    match field.split_once('(') {
        Some((name, rest)) => {
            let v = rest.trim_end().trim_end_matches(')').trim();
            (
                name.trim().to_owned(),
                (!v.is_empty()).then(|| v.to_owned()),
            )
        }
        None => (field.to_owned(), None),
    }
}

/// Whether a `Status:` value (`want flag state`) means the package is installed.
pub fn status_is_installed(status: &str) -> bool {
    status.split_whitespace().nth(2) == Some("installed")
}

/// Parses a dpkg `status` file into installed packages (a stanza without `Status:` is not installed).
///
/// Packages get `ecosystem = Deb`; `source_name`/`source_version` fall back to the binary name/version when
/// `Source:` does not say. `file_path` is left empty for the caller to fill.
///
/// # Errors
/// [`Error::NoValidRecord`] when the file has stanzas but none is a valid package (the first problem, with its
/// line, is named). An empty file is `Ok` with no packages.
pub fn parse_status(content: &[u8]) -> Result<Parsed<Package>, Error> {
    parse(content, false)
}

/// Parses one distroless `status.d/*` file: like [`parse_status`], but a stanza without `Status:` is installed.
///
/// # Errors
/// As [`parse_status`].
pub fn parse_status_d(content: &[u8]) -> Result<Parsed<Package>, Error> {
    parse(content, true)
}

fn parse(content: &[u8], no_status_is_installed: bool) -> Result<Parsed<Package>, Error> {
    let mut parsed = Parsed::default();
    let mut broken = 0usize;
    let mut first_problem = None;
    let all = stanzas(content);
    let total = all.len();
    for s in all {
        let problem = if let Some(p) = &s.problem {
            Some(p.clone())
        } else if s.get("Package").is_none() {
            Some(format!("line {}: stanza without a `Package` field", s.line))
        } else if s.get("Version").is_none() {
            Some(format!(
                "line {}: package `{}` has no `Version` field",
                s.line,
                s.get("Package").unwrap_or_default()
            ))
        } else {
            None
        };
        if let Some(p) = problem {
            broken += 1;
            first_problem.get_or_insert_with(|| p.clone());
            parsed
                .warnings
                .push(format!("{}: skipped a stanza: {p}", Format::DpkgStatus));
            continue;
        }
        let installed = s
            .get("Status")
            .map_or(no_status_is_installed, status_is_installed);
        if !installed {
            continue;
        }
        let name = s.get("Package").unwrap_or_default().to_owned();
        let version = s.get("Version").unwrap_or_default().to_owned();
        let (source_name, source_version) = match s.get("Source") {
            Some(src) => {
                let (n, v) = parse_source(src);
                (n, v.unwrap_or_else(|| version.clone()))
            }
            None => (name.clone(), version.clone()),
        };
        parsed.items.push(Package {
            ecosystem: Some(Ecosystem::Deb),
            arch: s.get("Architecture").map(str::to_owned),
            maintainer: s.get("Maintainer").map(str::to_owned),
            source_name: Some(source_name),
            source_version: Some(source_version),
            name,
            version,
            ..Package::default()
        });
    }
    if parsed.items.is_empty() && broken > 0 && broken == total {
        return Err(Error::NoValidRecord {
            format: Format::DpkgStatus,
            count: broken,
            first: first_problem.unwrap_or_default(),
        });
    }
    Ok(parsed)
}

/// Parses an `info/<pkg>[:arch].list` file: one absolute path per line (directories included). Returns the
/// paths without the leading `/`, dropping the `/.` root entry.
pub fn parse_list(content: &[u8]) -> Vec<String> {
    numbered_lines(content)
        .map(|(_, l)| l.trim().trim_start_matches('/').to_owned())
        .filter(|l| !l.is_empty() && l != ".")
        .collect()
}

/// The package name a `var/lib/dpkg/info/*.list` file belongs to (`libc6:amd64.list` -> `libc6`).
pub fn list_file_package(file_name: &str) -> Option<&str> {
    let stem = file_name.strip_suffix(".list")?;
    Some(stem.split_once(':').map_or(stem, |(n, _)| n))
}

/// File-name suffixes in `status.d/` that are not package stanzas (distroless writes `<pkg>.md5sums` beside
/// `<pkg>`).
pub const STATUS_D_NON_STANZA_SUFFIXES: &[&str] = &[
    ".md5sums",
    ".preinst",
    ".postinst",
    ".prerm",
    ".postrm",
    ".conffiles",
    ".list",
    ".shlibs",
    ".symbols",
    ".triggers",
    ".templates",
    ".config",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_forms() {
        assert_eq!(parse_source("util-linux"), ("util-linux".into(), None));
        assert_eq!(
            parse_source("glibc (2.36-9+deb12u4)"),
            ("glibc".into(), Some("2.36-9+deb12u4".into()))
        );
    }

    #[test]
    fn broken_stanza_keeps_the_rest() {
        let text = b"Package: a\nStatus: hold ok installed\nVersion: 1\n\nthis is garbage\nVersion: 2\n\nPackage: c\nStatus: install ok installed\nVersion: 3:1.0-1\nSource: cc (3:1.0-0)\n";
        let p = parse_status(text).expect("two good stanzas");
        assert_eq!(p.items.len(), 2);
        assert_eq!(p.warnings.len(), 1);
        assert!(p.warnings[0].contains("line 5"), "{:?}", p.warnings);
        assert_eq!(p.items[1].source_name.as_deref(), Some("cc"));
        assert_eq!(p.items[1].source_version.as_deref(), Some("3:1.0-0"));
        assert_eq!(p.items[0].source_name.as_deref(), Some("a"));
    }

    #[test]
    fn garbage_is_an_error_with_line() {
        let e = parse_status(b"\n\nhello world\nfoo\n").expect_err("garbage");
        assert!(e.to_string().contains("line 3"), "{e}");
        assert!(parse_status(b"").expect("empty ok").items.is_empty());
    }

    #[test]
    fn missing_status_depends_on_file_kind() {
        let t = b"Package: a\nVersion: 1\n";
        assert!(parse_status(t).expect("ok").items.is_empty());
        assert_eq!(parse_status_d(t).expect("ok").items.len(), 1);
    }

    #[test]
    fn status_states() {
        assert!(status_is_installed("install ok installed"));
        assert!(status_is_installed("hold ok installed"));
        assert!(!status_is_installed("deinstall ok config-files"));
        assert!(!status_is_installed("install ok unpacked"));
    }

    #[test]
    fn list_names() {
        assert_eq!(list_file_package("libc6:amd64.list"), Some("libc6"));
        assert_eq!(list_file_package("bash.list"), Some("bash"));
        assert_eq!(list_file_package("bash.md5sums"), None);
        assert_eq!(
            parse_list(b"/.\n/bin\n/bin/bash\n"),
            vec!["bin", "bin/bash"]
        );
    }
}
