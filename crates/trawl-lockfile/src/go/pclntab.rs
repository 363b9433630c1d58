//! Function names of a Go binary, from its pclntab (the runtime's table of functions, kept even by
//! `-ldflags=-s -w`, which drops only the ELF/PE symbol table and DWARF).
//!
//! Where the table is: the `.gopclntab` section (ELF), `__gopclntab` (Mach-O); else the span between the
//! `runtime.pclntab` and `runtime.epclntab` symbols (PE, ELF with the table inside `.data.rel.ro`); else, when
//! neither exists (section headers stripped, a PE without symbols), a search of the file for a header that
//! passes every check below.
//!
//! The header (Go 1.16+): magic (`0xfffffffa` Go 1.16/1.17, `0xfffffff0` Go 1.18/1.19, `0xfffffff1` Go 1.20+;
//! its byte order is the binary's), two zero bytes, the PC quantum (1, 2 or 4), the pointer size (4 or 8), then
//! pointer-sized words: the function count, the file count, (Go 1.18+: the text start), and the offsets of
//! `funcnametab`, `cutab`, `filetab`, `pctab` and the function table, in that order in the file. `funcnametab`
//! holds every function name once, NUL-terminated, including the functions inlined into others (their inline
//! trees point into it): it is read whole, which is all this module needs. Go before 1.16 (magic `0xfffffffb`)
//! is not read.
//!
//! Budgets: the name table is read only up to [`MAX_NAME_BYTES`] and [`MAX_NAMES`] names (a larger one is
//! refused: a partial table would make absent symbols look unreachable); the search tries at most
//! [`MAX_CANDIDATES`] headers. Nothing is copied but the names kept.

use object::{Object, ObjectSection, ObjectSymbol};

/// Largest `funcnametab` read (a 200 MiB Kubernetes binary has about 6 MiB of names).
pub const MAX_NAME_BYTES: usize = 64 << 20;
/// Most names read (the same binary has about 120,000).
pub const MAX_NAMES: usize = 1_000_000;
/// Most candidate headers checked when the table has to be searched for.
pub const MAX_CANDIDATES: usize = 256;

const MAGIC_116: u32 = 0xffff_fffa;
const MAGIC_118: u32 = 0xffff_fff0;
const MAGIC_120: u32 = 0xffff_fff1;

/// The function names of the pclntab of `content` (an object file), or `None` when it has none that can be
/// read (not Go, Go before 1.16, damaged, over a budget).
pub fn function_names(content: &[u8]) -> Option<Vec<&str>> {
    let file = object::File::parse(content).ok();
    if let Some(file) = &file {
        for name in [".gopclntab", "__gopclntab"] {
            if let Some(data) = file.section_by_name(name).and_then(|s| s.data().ok()) {
                // a named section that does not parse is damage, not a reason to search elsewhere
                return names(data);
            }
        }
        if let Some(data) = by_symbols(file) {
            return names(data);
        }
    }
    search(content)
}

/// The bytes between `runtime.pclntab` and `runtime.epclntab`.
fn by_symbols<'a>(file: &object::File<'a>) -> Option<&'a [u8]> {
    let (mut start, mut end) = (None, None);
    for sym in file.symbols() {
        match sym.name() {
            Ok("runtime.pclntab") => start = Some(sym.address()),
            Ok("runtime.epclntab") => end = Some(sym.address()),
            _ => {}
        }
        if start.is_some() && end.is_some() {
            break;
        }
    }
    let (start, end) = (start?, end?);
    let len = end.checked_sub(start).filter(|l| *l >= 16)?;
    super::binary::read_vaddr(file, start, len)
}

/// Searches the whole file for a header that parses (4-byte aligned, as the linker aligns the table).
fn search(content: &[u8]) -> Option<Vec<&str>> {
    let mut tried = 0;
    let mut at = 0;
    while at + 8 <= content.len() {
        let w = &content[at..at + 8];
        if magic(&w[..4]).is_some() && w[4] == 0 && w[5] == 0 {
            tried += 1;
            if let Some(n) = names(&content[at..]) {
                return Some(n);
            }
            if tried >= MAX_CANDIDATES {
                return None;
            }
        }
        at += 4;
    }
    None
}

/// The version and byte order of a header magic (`true` = big endian).
fn magic(b: &[u8]) -> Option<(u32, bool)> {
    let b: [u8; 4] = b.try_into().ok()?;
    for (v, big) in [
        (u32::from_le_bytes(b), false),
        (u32::from_be_bytes(b), true),
    ] {
        match v {
            MAGIC_116 => return Some((116, big)),
            MAGIC_118 => return Some((118, big)),
            MAGIC_120 => return Some((120, big)),
            _ => {}
        }
    }
    None
}

/// Reads the names of the table starting at `data[0]` (`data` may run past the table's end).
fn names(data: &[u8]) -> Option<Vec<&str>> {
    let (version, big) = magic(data.get(..4)?)?;
    let (pad, quantum, ptr) = (data.get(4..6)?, *data.get(6)?, *data.get(7)?);
    if pad != [0, 0] || !matches!(quantum, 1 | 2 | 4) || !matches!(ptr, 4 | 8) {
        return None;
    }
    let ptr = usize::from(ptr);
    let word = |i: usize| -> Option<usize> {
        let at = 8 + i * ptr;
        let b = data.get(at..at + ptr)?;
        let mut v: u64 = 0;
        for k in 0..ptr {
            let byte = if big { b[k] } else { b[ptr - 1 - k] };
            v = (v << 8) | u64::from(byte);
        }
        usize::try_from(v).ok()
    };
    let nfunc = word(0)?;
    // the offsets after the counts (and, from Go 1.18, the text start)
    let first = if version == 116 { 2 } else { 3 };
    let offs: Vec<usize> = (first..first + 5).map(word).collect::<Option<_>>()?;
    let (funcname, functab) = (offs[0], offs[4]);
    // the linker writes the tables in this order, each after the header
    let header_len = 8 + (first + 5) * ptr;
    if funcname < header_len || offs.windows(2).any(|w| w[0] > w[1]) || offs[4] > data.len() {
        return None;
    }
    // the function table: nfunc (entry, offset) pairs and one end entry, words of 4 bytes (Go 1.18+) or
    // pointers (Go 1.16)
    let field = if version == 116 { ptr } else { 4 };
    let ftab_len = nfunc.checked_mul(2)?.checked_add(1)?.checked_mul(field)?;
    if nfunc == 0 || functab.checked_add(ftab_len)? > data.len() {
        return None;
    }
    let region = &data[funcname..offs[1]];
    if region.len() > MAX_NAME_BYTES {
        return None;
    }
    let mut out = Vec::new();
    for raw in region.split(|b| *b == 0) {
        if raw.is_empty() {
            continue;
        }
        if out.len() >= MAX_NAMES {
            return None;
        }
        // a name that is not UTF-8 or not printable is not a Go function name: skipped
        if let Ok(s) = std::str::from_utf8(raw)
            && !s.chars().any(char::is_control)
        {
            out.push(s);
        }
    }
    // a real table names the runtime; a random match of the magic rarely holds printable names at all
    if out.is_empty() || !out.iter().any(|n| n.starts_with("runtime.")) {
        return None;
    }
    Some(out)
}

/// A function name as go-vulndb names symbols: (package path, `Func` or `Type.Method`). Pointer receivers,
/// type arguments, closure suffixes (`.func1`, `.gowrap2`, `.3`) and method-value wrappers (`-fm`) are dropped,
/// so a closure counts for the function that holds it. `None` for linker-made names (`type:.eq.T`,
/// `go:buildid`) and names without a package.
pub fn symbol(name: &str) -> Option<(String, String)> {
    if [
        "type:",
        "type..",
        "go:",
        "go.buildid",
        "go.itab.",
        "go.shape.",
    ]
    .iter()
    .any(|p| name.starts_with(p))
    {
        return None;
    }
    // type arguments may hold `/` and `.` (`go.shape.*net/http.Request`): dropped first
    let mut plain = String::with_capacity(name.len());
    let mut depth = 0usize;
    for c in name.chars() {
        match c {
            '[' => depth += 1,
            ']' => depth = depth.saturating_sub(1),
            _ if depth == 0 => plain.push(c),
            _ => {}
        }
    }
    let after_slash = plain.rfind('/').map_or(0, |i| i + 1);
    let dot = after_slash + plain[after_slash..].find('.')?;
    // the linker escapes the last element's dots (`gopkg.in/yaml%2ev3`) and unusual bytes as `%xx`
    let package = unescape(&plain[..dot])?;
    let mut rest = &plain[dot + 1..];
    let mut owned;
    if let Some(r) = rest.strip_prefix("(*")
        && let Some((ty, m)) = r.split_once(')')
    {
        owned = format!("{ty}{m}");
        rest = &owned;
    } else if let Some(r) = rest.strip_prefix('(')
        && let Some((ty, m)) = r.split_once(')')
    {
        owned = format!("{ty}{m}");
        rest = &owned;
    }
    let rest = rest.strip_suffix("-fm").unwrap_or(rest);
    let mut parts: Vec<&str> = rest.split('.').collect();
    while parts.len() > 1 && parts.last().is_some_and(|p| is_closure(p)) {
        parts.pop();
    }
    owned = parts.join(".");
    if package.is_empty() || owned.is_empty() {
        return None;
    }
    Some((package, owned))
}

/// `func1`, `gowrap2`, `deferwrap3`, `4`: a closure's (or wrapper's) part of a name.
fn is_closure(part: &str) -> bool {
    let digits = part.trim_start_matches(|c: char| c.is_ascii_alphabetic());
    let word = &part[..part.len() - digits.len()];
    !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && matches!(word, "" | "func" | "gowrap" | "deferwrap")
}

fn unescape(s: &str) -> Option<String> {
    if !s.contains('%') {
        return Some(s.to_owned());
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symbols_as_go_vulndb_names_them() {
        for (name, want) in [
            ("net/http.(*Client).Do", Some(("net/http", "Client.Do"))),
            ("net/http.Get", Some(("net/http", "Get"))),
            (
                "archive/zip.NewReader.func1",
                Some(("archive/zip", "NewReader")),
            ),
            (
                "net/http.(*Server).Serve.func3.1",
                Some(("net/http", "Server.Serve")),
            ),
            (
                "net/http.Header.Write-fm",
                Some(("net/http", "Header.Write")),
            ),
            ("main.main.gowrap1", Some(("main", "main"))),
            (
                "golang.org/x/net/http2.(*Framer).ReadFrame",
                Some(("golang.org/x/net/http2", "Framer.ReadFrame")),
            ),
            (
                "gopkg.in/yaml%2ev3.Unmarshal",
                Some(("gopkg.in/yaml.v3", "Unmarshal")),
            ),
            (
                "example.com/m.(*Set[go.shape.*net/http.Request]).Add",
                Some(("example.com/m", "Set.Add")),
            ),
            ("example.com/m.Map[...]", Some(("example.com/m", "Map"))),
            ("fmt.init.0", Some(("fmt", "init"))),
            ("runtime.func2", Some(("runtime", "func2"))),
            ("type:.eq.net/http.Request", None),
            ("type..eq.[2]interface {}", None),
            ("go:buildid", None),
            ("go.buildid", None),
            ("nodot", None),
            ("a/b.", None),
            ("bad%zz.F", None),
        ] {
            let got = symbol(name);
            assert_eq!(
                got.as_ref().map(|(p, s)| (p.as_str(), s.as_str())),
                want,
                "{name}"
            );
        }
    }

    /// A Go 1.20 little-endian table with the given names (function table of one entry).
    fn table(names: &[&str]) -> Vec<u8> {
        let mut nametab = Vec::new();
        for n in names {
            nametab.extend_from_slice(n.as_bytes());
            nametab.push(0);
        }
        let header = 8 + 8 * 8;
        let funcname = header;
        let cutab = funcname + nametab.len();
        let offs = [
            1u64,
            0,
            0,
            funcname as u64,
            cutab as u64,
            cutab as u64,
            cutab as u64,
            cutab as u64,
        ];
        let mut t = Vec::new();
        t.extend_from_slice(&MAGIC_120.to_le_bytes());
        t.extend_from_slice(&[0, 0, 1, 8]);
        for o in offs {
            t.extend_from_slice(&o.to_le_bytes());
        }
        t.extend_from_slice(&nametab);
        t.extend_from_slice(&[0; 12]);
        t
    }

    #[test]
    fn reads_a_table_and_refuses_damage() {
        let t = table(&["runtime.main", "archive/zip.NewReader", "\u{1}bad"]);
        assert_eq!(
            names(&t).expect("reads"),
            ["runtime.main", "archive/zip.NewReader"]
        );
        // found by the search too, after junk
        let mut file = vec![0x55u8; 4096];
        file.extend_from_slice(&t);
        assert_eq!(search(&file).expect("found").len(), 2);
        // big endian
        let mut be = t.clone();
        be[..4].copy_from_slice(&MAGIC_120.to_be_bytes());
        assert!(
            names(&be).is_none(),
            "offsets read big endian are out of range"
        );
        // every truncation and corruption is refused or read, never a panic
        for cut in 0..t.len() {
            let _ = names(&t[..cut]);
        }
        for i in 0..t.len() {
            for b in [0u8, 0x7f, 0x80, 0xff] {
                let mut bad = t.clone();
                bad[i] = b;
                let _ = names(&bad);
            }
        }
        // a table without the runtime is not a Go table
        assert!(names(&table(&["a.B"])).is_none());
        // a huge function count is refused without allocating
        let mut huge = t.clone();
        huge[8..16].copy_from_slice(&u64::MAX.to_le_bytes());
        assert!(names(&huge).is_none());
    }
}
