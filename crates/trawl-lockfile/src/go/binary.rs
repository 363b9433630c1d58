//! Build information of Go binaries (`runtime/debug.BuildInfo`, embedded by the linker since Go 1.13).
//!
//! The linker writes a 32-byte header `"\xff Go buildinf:"`, pointer size (1 byte), flags (1 byte) at a 16-byte
//! aligned address, in the `.go.buildinfo` section (ELF, PE) or `__go_buildinfo` (Mach-O). With flag bit 1
//! (Go 1.18+) the toolchain version and the module info follow the header inline as varint-length strings;
//! before, the header holds two pointers to Go string headers (`ptr`, `len`), which are resolved through the
//! object file's segments (flag bit 0: big endian). When the section is missing (stripped section headers),
//! the file is scanned for the magic at 16-byte aligned offsets.
//!
//! The module info is framed by 16-byte sentinels and holds tab-separated lines: `path`, `mod` (main module),
//! `dep` (dependency), `=>` (replacement of the previous dep) and `build` (settings). Versions are reported
//! without the leading `v` (as OSV writes Go versions); the toolchain becomes the package `stdlib` with its
//! version without the `go` prefix (`go1.21.3` -> `1.21.3`).

use crate::{Error, Result, package, with_rel};
use object::{Object, ObjectSection, ObjectSegment};
use std::collections::HashMap;
use trawl_types::{Ecosystem, GoSymbols, Package, Relationship};

const MAGIC: &[u8] = b"\xff Go buildinf:";

/// What a Go binary says about how it was built.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BuildInfo {
    /// Toolchain, as written (`go1.21.3`, possibly with ` X:experiment`).
    pub go_version: String,
    /// Main package path (`path` line).
    pub path: String,
    /// Main module (path, version); version is often `(devel)`.
    pub main: Option<(String, String)>,
    /// Dependencies (path, version), replacements applied.
    pub deps: Vec<(String, String)>,
    /// `build` settings (`-ldflags`, `GOOS`, `vcs.revision`...).
    pub settings: Vec<(String, String)>,
    /// The module path each dependency's packages are imported under (the `dep` line's path: a replacement
    /// changes the module a package comes from, not its import path), parallel to `deps`.
    pub import_paths: Vec<String>,
    /// The functions in the binary's pclntab as (package path, symbol) (see [`super::pclntab::symbol`]);
    /// `None` when it has no readable pclntab.
    pub symbols: Option<Vec<(String, String)>>,
}

/// Whether `content` starts like an object file a Go toolchain can produce.
pub fn is_object_file(content: &[u8]) -> bool {
    crate::rust::auditable::is_object_file(content)
}

/// Reads the build info. `Ok(None)` when the file is not an object file or not a Go binary.
pub fn parse(content: &[u8]) -> Result<Option<BuildInfo>> {
    if !is_object_file(content) {
        return Ok(None);
    }
    let file = object::File::parse(content).ok();
    let from_section = file.as_ref().and_then(|f| {
        let s = f
            .section_by_name(".go.buildinfo")
            .or_else(|| f.section_by_name("__go_buildinfo"))?;
        let data = s.data().ok()?;
        let at = find_magic(data)?;
        Some(&data[at..])
    });
    let header = match from_section {
        Some(h) => h,
        // an object file with a section table but no build info section is not a Go binary; only files whose
        // section table is gone (or that `object` cannot read) are scanned
        None if file.as_ref().is_some_and(|f| f.sections().next().is_some()) => return Ok(None),
        None => match find_magic(content) {
            Some(at) => &content[at..],
            None => return Ok(None),
        },
    };
    if header.len() < 32 {
        return Err(Error::invalid("truncated Go build info header"));
    }
    let ptr_size = usize::from(header[14]);
    let flags = header[15];
    let (version, modinfo) = if flags & 2 != 0 {
        let (v, rest) = read_varint_string(&header[32..])?;
        let (m, _) = read_varint_string(rest)?;
        (v.to_vec(), m.to_vec())
    } else {
        let Some(file) = file.as_ref() else {
            return Err(Error::invalid(
                "pre-1.18 Go build info needs a parseable object file",
            ));
        };
        if ptr_size != 4 && ptr_size != 8 {
            return Err(Error::invalid(format!(
                "Go build info: bad pointer size {ptr_size}"
            )));
        }
        let big = flags & 1 != 0;
        let rd = |b: &[u8]| read_uint(b, ptr_size, big);
        let vaddr = rd(&header[16..16 + ptr_size]);
        let maddr = rd(&header[16 + ptr_size..16 + 2 * ptr_size]);
        (
            read_go_string(file, vaddr, ptr_size, big)?,
            read_go_string(file, maddr, ptr_size, big)?,
        )
    };
    let go_version = String::from_utf8_lossy(&version).into_owned();
    let mut info = parse_modinfo(&String::from_utf8_lossy(strip_sentinels(&modinfo)));
    info.go_version = go_version;
    info.symbols = super::pclntab::function_names(content).map(|names| {
        names
            .into_iter()
            .filter_map(super::pclntab::symbol)
            .collect()
    });
    Ok(Some(info))
}

fn find_magic(data: &[u8]) -> Option<usize> {
    (0..data.len().saturating_sub(MAGIC.len()))
        .step_by(16)
        .find(|&i| data[i..].starts_with(MAGIC))
}

fn read_uint(b: &[u8], size: usize, big: bool) -> u64 {
    let mut v: u64 = 0;
    for i in 0..size {
        let byte = if big { b[i] } else { b[size - 1 - i] };
        v = (v << 8) | u64::from(byte);
    }
    v
}

fn read_varint_string(b: &[u8]) -> Result<(&[u8], &[u8])> {
    let mut len: u64 = 0;
    let mut shift = 0;
    let mut i = 0;
    loop {
        let Some(&byte) = b.get(i) else {
            return Err(Error::invalid("truncated varint in Go build info"));
        };
        len |= u64::from(byte & 0x7f) << shift;
        i += 1;
        if byte & 0x80 == 0 {
            break;
        }
        shift += 7;
        if shift > 63 {
            return Err(Error::invalid("bad varint in Go build info"));
        }
    }
    let len = usize::try_from(len).map_err(|_| Error::invalid("Go build info string too long"))?;
    let end = i
        .checked_add(len)
        .filter(|e| *e <= b.len())
        .ok_or_else(|| Error::invalid("Go build info string runs past the end"))?;
    Ok((&b[i..end], &b[end..]))
}

/// Bytes at a virtual address, through the segment that maps it.
pub(crate) fn read_vaddr<'a>(file: &object::File<'a>, addr: u64, len: u64) -> Option<&'a [u8]> {
    for seg in file.segments() {
        let start = seg.address();
        if addr >= start && addr.checked_add(len)? <= start + seg.size() {
            let data = seg.data().ok()?;
            let off = usize::try_from(addr - start).ok()?;
            let end = off.checked_add(usize::try_from(len).ok()?)?;
            return data.get(off..end);
        }
    }
    for sec in file.sections() {
        let start = sec.address();
        if addr >= start && addr.checked_add(len)? <= start + sec.size() {
            let data = sec.data().ok()?;
            let off = usize::try_from(addr - start).ok()?;
            let end = off.checked_add(usize::try_from(len).ok()?)?;
            return data.get(off..end);
        }
    }
    None
}

fn read_go_string(
    file: &object::File<'_>,
    addr: u64,
    ptr_size: usize,
    big: bool,
) -> Result<Vec<u8>> {
    let hdr = read_vaddr(file, addr, 2 * ptr_size as u64)
        .ok_or_else(|| Error::invalid(format!("Go build info: address {addr:#x} is not mapped")))?;
    let ptr = read_uint(&hdr[..ptr_size], ptr_size, big);
    let len = read_uint(&hdr[ptr_size..], ptr_size, big);
    if len > 16 << 20 {
        return Err(Error::invalid("Go build info string too long"));
    }
    read_vaddr(file, ptr, len)
        .map(<[u8]>::to_vec)
        .ok_or_else(|| Error::invalid(format!("Go build info: address {ptr:#x} is not mapped")))
}

fn strip_sentinels(m: &[u8]) -> &[u8] {
    if m.len() >= 33 && m[m.len() - 17] == b'\n' {
        &m[16..m.len() - 16]
    } else {
        m
    }
}

/// Parses the text module info (`path`/`mod`/`dep`/`=>`/`build` lines).
pub fn parse_modinfo(text: &str) -> BuildInfo {
    let mut info = BuildInfo::default();
    for line in text.lines() {
        let f: Vec<&str> = line.split('\t').collect();
        match f.as_slice() {
            ["path", p, ..] => info.path = (*p).to_owned(),
            ["mod", p, v, ..] => info.main = Some(((*p).to_owned(), (*v).to_owned())),
            ["dep", p, v, ..] => {
                info.deps.push(((*p).to_owned(), (*v).to_owned()));
                info.import_paths.push((*p).to_owned());
            }
            ["=>", p, v, ..] => {
                if let Some(last) = info.deps.last_mut() {
                    if v.is_empty() {
                        // local directory replacement: keep the path, no known version
                        last.1 = String::new();
                    } else {
                        *last = ((*p).to_owned(), (*v).to_owned());
                    }
                }
            }
            ["build", kv, ..] => {
                let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
                info.settings
                    .push((k.to_owned(), v.trim_matches('"').to_owned()));
            }
            _ => {}
        }
    }
    info
}

impl BuildInfo {
    /// The toolchain version without the `go` prefix and experiment suffix (`1.21.3`), when it is a release.
    pub fn stdlib_version(&self) -> Option<String> {
        let v = self
            .go_version
            .split_whitespace()
            .next()?
            .strip_prefix("go")?;
        v.starts_with(|c: char| c.is_ascii_digit())
            .then(|| v.to_owned())
    }

    /// The main module's version: the recorded one unless `(devel)`; else `-X main.version=` from `-ldflags`;
    /// else a Go pseudo-version (`0.0.0-<vcs.time as yyyymmddhhmmss>-<first 12 of vcs.revision>`) when the build
    /// recorded its VCS state.
    pub fn main_version(&self) -> Option<String> {
        let (_, v) = self.main.as_ref()?;
        if !v.is_empty() && v != "(devel)" {
            return Some(trim_v(v).to_owned());
        }
        self.ldflags_version().or_else(|| self.pseudo_version())
    }

    fn setting(&self, key: &str) -> Option<&str> {
        self.settings
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    fn pseudo_version(&self) -> Option<String> {
        let rev = self.setting("vcs.revision").filter(|r| r.len() >= 12)?;
        let time: String = self
            .setting("vcs.time")?
            .chars()
            .filter(char::is_ascii_digit)
            .take(14)
            .collect();
        (time.len() == 14).then(|| format!("0.0.0-{time}-{}", &rev[..12]))
    }

    fn ldflags_version(&self) -> Option<String> {
        let ldflags = self.setting("-ldflags")?;
        for part in ldflags.split_whitespace() {
            let part = part.trim_start_matches("-X=").trim_matches(['\'', '"']);
            for key in ["main.version=", "main.Version=", "main.VERSION="] {
                if let Some(i) = part.find(key) {
                    let v = &part[i + key.len()..];
                    if !v.is_empty() {
                        return Some(trim_v(v).to_owned());
                    }
                }
            }
        }
        None
    }

    /// Packages: the main module (Root; version `(devel)` when unknown), every dependency, and `stdlib`; each
    /// with the symbols of its packages in the binary ([`Package::go_symbols`]).
    pub fn packages(&self) -> Vec<Package> {
        let mut symbols = self.symbols_by_module();
        let mut take = |i: usize| Some(std::mem::take(&mut symbols[i]));
        let mut out = Vec::new();
        if let Some((p, v)) = &self.main {
            let version = self.main_version().unwrap_or_else(|| v.clone());
            let mut pkg = with_rel(
                package(Ecosystem::Go, p, version),
                Some(Relationship::Root),
                false,
            );
            pkg.go_symbols = take(0);
            out.push(pkg);
        }
        for (i, (p, v)) in self.deps.iter().enumerate() {
            if v.is_empty() {
                continue;
            }
            let mut pkg = with_rel(
                package(Ecosystem::Go, p, trim_v(v)),
                Some(Relationship::Indirect),
                false,
            );
            pkg.go_symbols = take(i + 1);
            out.push(pkg);
        }
        if let Some(v) = self.stdlib_version() {
            let mut pkg = with_rel(
                package(Ecosystem::Go, "stdlib", v),
                Some(Relationship::Direct),
                false,
            );
            pkg.go_symbols = take(self.deps.len() + 1);
            out.push(pkg);
        }
        out
    }

    /// The symbols of each module: index 0 the main module, 1.. the dependencies, last `stdlib`. A package
    /// belongs to the module with the longest path it starts with (`a.com/m/sub` to `a.com/m/sub` rather than
    /// `a.com/m`); a package outside every module whose first element has no dot is the standard library's
    /// (`net/http`, `vendor/golang.org/x/net/...`); `main` is the main module's.
    fn symbols_by_module(&self) -> Vec<GoSymbols> {
        let goos = self.setting("GOOS").map(str::to_owned);
        let goarch = self.setting("GOARCH").map(str::to_owned);
        let n = self.deps.len() + 2;
        let Some(symbols) = &self.symbols else {
            return vec![GoSymbols::unavailable(goos, goarch); n];
        };
        let mut modules: HashMap<&str, usize> = HashMap::new();
        for (i, p) in self.import_paths.iter().enumerate() {
            modules.insert(p.as_str(), i + 1);
        }
        if let Some((p, _)) = &self.main {
            modules.insert(p.as_str(), 0);
        }
        let mut names: Vec<Vec<String>> = vec![Vec::new(); n];
        for (pkg, sym) in symbols {
            let mut owner = None;
            let mut prefix = pkg.as_str();
            loop {
                if let Some(i) = modules.get(prefix) {
                    owner = Some(*i);
                    break;
                }
                match prefix.rfind('/') {
                    Some(i) => prefix = &prefix[..i],
                    None => break,
                }
            }
            let owner = owner.or_else(|| {
                if pkg == "main" {
                    Some(0)
                } else {
                    let first = pkg.split('/').next().unwrap_or_default();
                    (!first.contains('.')).then_some(n - 1)
                }
            });
            if let Some(i) = owner {
                names[i].push(format!("{pkg}.{sym}"));
            }
        }
        names
            .iter()
            .map(|v| {
                GoSymbols::from_names(goos.clone(), goarch.clone(), v.iter().map(String::as_str))
            })
            .collect()
    }
}

/// Go module versions as OSV writes them: without the leading `v`.
pub fn trim_v(v: &str) -> &str {
    v.strip_prefix('v').unwrap_or(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modinfo_replacements_and_ldflags() {
        let m = "path\texample.com/cmd\nmod\texample.com\t(devel)\t\ndep\tgolang.org/x/text\tv0.3.0\th1:x\n=>\tgolang.org/x/text\tv0.3.8\th1:y\ndep\texample.com/local\tv1.0.0\n=>\t../local\t\t\nbuild\t-ldflags=\"-s -X main.version=1.2.3\"\n";
        let mut info = parse_modinfo(m);
        info.go_version = "go1.21.3 X:boringcrypto".into();
        assert_eq!(info.main_version().as_deref(), Some("1.2.3"));
        let pkgs: Vec<(String, String)> = info
            .packages()
            .into_iter()
            .map(|p| (p.name, p.version))
            .collect();
        assert_eq!(
            pkgs,
            [
                ("example.com".to_owned(), "1.2.3".to_owned()),
                ("golang.org/x/text".to_owned(), "0.3.8".to_owned()),
                ("stdlib".to_owned(), "1.21.3".to_owned())
            ]
        );
    }

    #[test]
    fn not_go() {
        assert!(
            parse(b"#!/bin/sh\necho hi\n")
                .expect("not an error")
                .is_none()
        );
        assert!(
            parse(b"\x7fELF garbage")
                .expect("unparseable ELF is not a Go binary")
                .is_none()
        );
    }
}
