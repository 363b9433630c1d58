//! Java archives: jar, war, ear, par, sar, nar, jpi, hpi, kar, rar.
//!
//! Per archive:
//! - every `META-INF/maven/<group>/<artifact>/pom.properties` is a package (a shaded jar holds several);
//! - when no pom.properties names the archive's own artifact (from the file name), `META-INF/MANIFEST.MF`
//!   (`Implementation-Vendor-Id` / `Implementation-Title` / `Implementation-Version`, `Bundle-SymbolicName` /
//!   `Bundle-Version`) and then the file name (`name-1.2.3.jar`) give it. Without a known group the name is just the
//!   artifact id (no Maven advisory can match it, but it shows in SBOMs);
//! - archives inside the archive (`WEB-INF/lib/*.jar`, `BOOT-INF/lib/*.jar`, `lib/*.jar`) are read the same way, up
//!   to a depth of nesting ([`DEFAULT_MAX_DEPTH`] levels unless [`parse_with`] says otherwise); their packages get
//!   `file_path` = `outer/path!/inner/path` (outer path, `!/`, the entry's path inside the outer archive, as Java's
//!   `jar:` URLs write it).
//!
//! Each entry is read with a size cap; nested archives held at once along a chain share [`MAX_ENTRY`] bytes, and
//! one top-level archive at a time reads nested ones (parallel layer walks wait), so a zip bomb or deep nesting
//! costs at most that much in the whole process. A nested archive left unread (too deep, or over what the
//! chain has left) is named in a note ([`Parsed::skipped`]): nothing is dropped silently.

use crate::{Error, Result, package};
use std::io::{Cursor, Read};
use trawl_types::{Ecosystem, Package};

/// How deep archives inside archives are opened by default: an archive in an archive is level 1.
pub const DEFAULT_MAX_DEPTH: usize = 4;
/// Most bytes of nested archives held in memory at once along one chain of nesting (an inner archive is read
/// only when it fits in what its parents left): memory stays bounded whatever the nesting.
pub const MAX_ENTRY: u64 = 64 << 20;
const MAX_SMALL: u64 = 1 << 20;
/// Held while a top-level archive reads its nested archives.
static NESTED_READS: std::sync::Mutex<()> = std::sync::Mutex::new(());
/// Most notes about unread nested archives kept per top-level archive (the rest are counted in one more note).
const MAX_NOTES: usize = 20;

/// Archive file name suffixes (lowercase) this parser reads.
pub const EXTENSIONS: &[&str] = &[
    ".jar", ".war", ".ear", ".par", ".sar", ".nar", ".jpi", ".hpi", ".kar", ".rar",
];

/// Whether a file name looks like a Java archive.
pub fn is_archive_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    EXTENSIONS.iter().any(|e| lower.ends_with(e))
}

/// What [`parse_with`] found.
#[derive(Debug, Default)]
pub struct Parsed {
    /// The packages, deduplicated.
    pub packages: Vec<Package>,
    /// One note per nested archive that was not read, naming the archive holding it (`outer.war!/lib/a.jar`
    /// when nested itself), the entry's path inside it, and why.
    pub skipped: Vec<String>,
}

/// Parses a Java archive, opening nested archives up to [`DEFAULT_MAX_DEPTH`] levels. `path` is the archive's
/// path (for the file-name fallback and for `file_path`).
pub fn parse(path: &str, content: &[u8]) -> Result<Vec<Package>> {
    parse_with(path, content, DEFAULT_MAX_DEPTH).map(|p| p.packages)
}

/// Parses a Java archive, opening archives nested in it up to `max_depth` levels (0: none).
pub fn parse_with(path: &str, content: &[u8], max_depth: usize) -> Result<Parsed> {
    let mut cx = Context {
        max_depth,
        out: Vec::new(),
        skipped: Vec::new(),
        more: 0,
    };
    parse_into(path, content, 0, MAX_ENTRY, &mut cx)?;
    let mut skipped = cx.skipped;
    if cx.more > 0 {
        skipped.push(format!(
            "`{path}`: {} more nested archive(s) not read",
            cx.more
        ));
    }
    Ok(Parsed {
        packages: crate::util::dedup(cx.out),
        skipped,
    })
}

/// What one top-level parse carries down the nesting.
struct Context {
    max_depth: usize,
    out: Vec<Package>,
    skipped: Vec<String>,
    /// Notes not kept past [`MAX_NOTES`].
    more: usize,
}

impl Context {
    fn skip(&mut self, archive: &str, entry: &str, why: std::fmt::Arguments<'_>) {
        if self.skipped.len() < MAX_NOTES {
            self.skipped.push(format!(
                "`{archive}`: nested archive `{entry}` not read: {why}"
            ));
        } else {
            self.more += 1;
        }
    }
}

#[derive(Default)]
struct Manifest {
    vendor_id: Option<String>,
    title: Option<String>,
    version: Option<String>,
    bundle_name: Option<String>,
    bundle_version: Option<String>,
    license: Option<String>,
}

fn parse_into(path: &str, content: &[u8], depth: usize, room: u64, cx: &mut Context) -> Result<()> {
    let mut zip = zip::ZipArchive::new(Cursor::new(content))
        .map_err(|e| Error::invalid(format!("not a readable zip archive: {e}")))?;
    let mut poms: Vec<(String, String, String)> = Vec::new();
    let mut manifest = None;
    let mut nested: Vec<usize> = Vec::new();
    for i in 0..zip.len() {
        let Ok(mut f) = zip.by_index(i) else { continue };
        if f.is_dir() {
            continue;
        }
        let Ok(name) = f.name().map(|n| n.into_owned()) else {
            continue;
        };
        if name.starts_with("META-INF/maven/") && name.ends_with("/pom.properties") {
            if let Some(s) = read_small(&mut f) {
                let props = properties(&s);
                let get = |k: &str| props.iter().find(|(pk, _)| pk == k).map(|(_, v)| v.clone());
                if let (Some(g), Some(a), Some(v)) =
                    (get("groupId"), get("artifactId"), get("version"))
                    && !g.is_empty()
                    && !a.is_empty()
                    && !v.is_empty()
                {
                    poms.push((g, a, v));
                }
            }
        } else if name.eq_ignore_ascii_case("META-INF/MANIFEST.MF") {
            manifest = read_small(&mut f).map(|s| parse_manifest(&s));
        } else if is_archive_name(&name) {
            let max = cx.max_depth;
            if depth >= max {
                cx.skip(
                    path,
                    &name,
                    format_args!(
                        "nested deeper than {max} level(s) (raise it with --max-archive-depth)"
                    ),
                );
            } else if f.size() > room {
                cx.skip(path, &name, format_args!("{} bytes is over the {room} bytes left of the {MAX_ENTRY}-byte budget for nested archives", f.size()));
            } else {
                nested.push(i);
            }
        }
    }

    let base = path.rsplit(['/', '!']).next().unwrap_or(path);
    let (fname_artifact, fname_version) = split_file_name(base);
    let own_in_poms = poms
        .iter()
        .any(|(_, a, _)| Some(a.as_str()) == fname_artifact.as_deref());
    for (g, a, v) in &poms {
        let mut p = package(Ecosystem::Maven, format!("{g}:{a}"), v);
        p.file_path = path.to_owned();
        cx.out.push(p);
    }
    if !own_in_poms {
        let m = manifest.unwrap_or_default();
        let artifact = fname_artifact
            .or_else(|| m.title.clone().filter(|t| !t.contains(char::is_whitespace)))
            .or_else(|| {
                m.bundle_name
                    .clone()
                    .filter(|t| !t.contains(char::is_whitespace))
            });
        let version = fname_version
            .or_else(|| m.version.clone())
            .or_else(|| m.bundle_version.clone());
        if let (Some(a), Some(v)) = (artifact, version)
            && (poms.is_empty() || m.vendor_id.is_some())
        {
            let name = match &m.vendor_id {
                Some(g) if !g.contains(char::is_whitespace) => format!("{g}:{a}"),
                _ => a,
            };
            if !poms.iter().any(|(g, a, _)| format!("{g}:{a}") == name) {
                let mut p = package(Ecosystem::Maven, name, v);
                p.file_path = path.to_owned();
                p.licenses.extend(m.license);
                cx.out.push(p);
            }
        }
    }

    // One top-level archive at a time reads nested archives: their memory (at most MAX_ENTRY) is bounded for
    // the process, not per thread, whatever the number of parallel layer walks.
    let _one_at_a_time = (depth == 0 && !nested.is_empty()).then(|| {
        NESTED_READS
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    });
    for i in nested {
        let Ok(mut f) = zip.by_index(i) else { continue };
        let Ok(name) = f.name().map(|n| n.into_owned()) else {
            continue;
        };
        let mut buf = Vec::with_capacity(usize::try_from(f.size().min(room)).unwrap_or(0));
        // The declared size may lie: never read past the room left.
        match (&mut f).take(room + 1).read_to_end(&mut buf) {
            Err(e) => {
                cx.skip(path, &name, format_args!("unreadable: {e}"));
                continue;
            }
            Ok(_) if buf.len() as u64 > room => {
                cx.skip(path, &name, format_args!("more than the {room} bytes left of the {MAX_ENTRY}-byte budget for nested archives once inflated"));
                continue;
            }
            Ok(_) => {}
        }
        let inner_path = format!("{path}!/{name}");
        // a broken inner archive does not lose the outer one's packages
        if let Err(e) = parse_into(&inner_path, &buf, depth + 1, room - buf.len() as u64, cx) {
            cx.skip(path, &name, format_args!("{e}"));
        }
    }
    Ok(())
}

fn read_small(f: &mut impl Read) -> Option<String> {
    let mut buf = Vec::new();
    f.take(MAX_SMALL).read_to_end(&mut buf).ok()?;
    Some(String::from_utf8_lossy(&buf).into_owned())
}

/// Java `.properties` key/value pairs (`key=value`, `key: value`; `#`/`!` comments).
fn properties(s: &str) -> Vec<(String, String)> {
    s.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with(['#', '!']))
        .filter_map(|l| {
            let i = l.find(['=', ':'])?;
            Some((l[..i].trim().to_owned(), l[i + 1..].trim().to_owned()))
        })
        .collect()
}

fn parse_manifest(s: &str) -> Manifest {
    // join continuation lines (a line starting with one space continues the previous one)
    let mut lines: Vec<String> = Vec::new();
    for raw in s.lines() {
        let raw = raw.trim_end_matches('\r');
        if raw.is_empty() {
            break; // end of the main section
        }
        match (raw.strip_prefix(' '), lines.last_mut()) {
            (Some(cont), Some(last)) => last.push_str(cont),
            _ => lines.push(raw.to_owned()),
        }
    }
    let mut m = Manifest::default();
    for l in lines {
        let Some((k, v)) = l.split_once(':') else {
            continue;
        };
        let v = Some(v.trim().to_owned()).filter(|v| !v.is_empty());
        match k.trim() {
            "Implementation-Vendor-Id" => m.vendor_id = v,
            "Implementation-Title" => m.title = v,
            "Implementation-Version" => m.version = v,
            "Bundle-SymbolicName" => {
                m.bundle_name = v.map(|b| b.split(';').next().unwrap_or_default().trim().to_owned())
            }
            "Bundle-Version" => m.bundle_version = v,
            "Bundle-License" => m.license = v,
            _ => {}
        }
    }
    m
}

/// `commons-io-2.11.0.jar` -> (`commons-io`, `2.11.0`); `guava.jar` -> (`guava`, none). The version starts at the
/// first `-` followed by a digit.
pub fn split_file_name(base: &str) -> (Option<String>, Option<String>) {
    let stem = match base.rfind('.') {
        Some(i) => &base[..i],
        None => base,
    };
    if stem.is_empty() {
        return (None, None);
    }
    let b = stem.as_bytes();
    for i in 0..b.len().saturating_sub(1) {
        if b[i] == b'-' && b[i + 1].is_ascii_digit() && i > 0 {
            return (Some(stem[..i].to_owned()), Some(stem[i + 1..].to_owned()));
        }
    }
    (Some(stem.to_owned()), None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names() {
        assert_eq!(
            split_file_name("commons-io-2.11.0.jar"),
            (Some("commons-io".into()), Some("2.11.0".into()))
        );
        assert_eq!(split_file_name("guava.jar"), (Some("guava".into()), None));
        assert_eq!(
            split_file_name("log4j-core-2.14.1.jar"),
            (Some("log4j-core".into()), Some("2.14.1".into()))
        );
    }

    /// A jar of `g:level-<level>:1` holding the jar of the level below as `lib/level-<level-1>.jar`.
    fn nested(level: usize) -> Vec<u8> {
        use std::io::Write;
        let opts = zip::write::SimpleFileOptions::default();
        let mut z = zip::ZipWriter::new(Cursor::new(Vec::new()));
        z.start_file(
            format!("META-INF/maven/g/level-{level}/pom.properties"),
            opts,
        )
        .expect("entry");
        write!(z, "groupId=g\nartifactId=level-{level}\nversion=1\n").expect("write");
        if level > 1 {
            z.start_file(format!("lib/level-{}.jar", level - 1), opts)
                .expect("entry");
            z.write_all(&nested(level - 1)).expect("write");
        }
        z.finish().expect("zip").into_inner()
    }

    #[test]
    fn nesting_depth_is_a_setting_and_what_is_left_is_named() {
        let jar = nested(4);
        let names =
            |p: &Parsed| -> Vec<String> { p.packages.iter().map(|p| p.name.clone()).collect() };
        let all = parse_with("a/level-4.jar", &jar, 3).expect("parses");
        assert_eq!(names(&all).len(), 4);
        assert!(all.skipped.is_empty(), "{:?}", all.skipped);
        let two = parse_with("a/level-4.jar", &jar, 2).expect("parses");
        assert_eq!(names(&two).len(), 3);
        assert_eq!(
            two.skipped,
            [
                "`a/level-4.jar!/lib/level-3.jar!/lib/level-2.jar`: nested archive `lib/level-1.jar` not read: \
              nested deeper than 2 level(s) (raise it with --max-archive-depth)"
            ]
        );
        let none = parse_with("a/level-4.jar", &jar, 0).expect("parses");
        assert_eq!(names(&none), ["g:level-4"]);
        assert_eq!(none.skipped.len(), 1);
        assert!(none.skipped[0].starts_with("`a/level-4.jar`: nested archive `lib/level-3.jar`"));
        // A broken nested archive is named too.
        let opts = zip::write::SimpleFileOptions::default();
        let mut z = zip::ZipWriter::new(Cursor::new(Vec::new()));
        z.start_file("lib/bad.jar", opts).expect("entry");
        std::io::Write::write_all(&mut z, b"not a zip").expect("write");
        let outer = z.finish().expect("zip").into_inner();
        let p = parse_with("x.war", &outer, 4).expect("parses");
        assert!(
            p.skipped[0]
                .starts_with("`x.war`: nested archive `lib/bad.jar` not read: not a readable zip"),
            "{:?}",
            p.skipped
        );
    }

    #[test]
    fn not_zip() {
        assert!(parse("x.jar", b"not a zip").is_err());
    }

    #[test]
    fn manifest_continuations() {
        let m = parse_manifest(
            "Manifest-Version: 1.0\r\nImplementation-Title: foo\r\nBundle-SymbolicName: org.ex\r\n ample.foo;singleton:=true\r\n\r\nName: x\r\nImplementation-Title: other\r\n",
        );
        assert_eq!(m.title.as_deref(), Some("foo"));
        assert_eq!(m.bundle_name.as_deref(), Some("org.example.foo"));
    }
}
