//! Software recognised from its own executable or library: runtimes and servers copied into images outside any
//! package manager (`COPY --from=build /usr/local/bin/python3.11`, a tarball unpacked under `/opt`).
//!
//! A file is a candidate by its name ([`program_for`]: `python3.11`, `libpython3.11.so.1.0`, `node`,
//! `libnode.so.108`, `java`, `redis-server`, `nginx`, `httpd`/`apache2`, `postgres`, `mysqld`/`mariadbd`,
//! `curl`/`libcurl.so*`, `openssl`/`libcrypto.so*`/`libssl.so*`, `busybox`, `haproxy`), must be an ELF or Mach-O
//! object, and is then scanned for that one program's version string (the text each program compiles in to
//! answer `--version`; these strings are facts about the programs, listed per program below). A file gives at
//! most one package: ecosystem [`Ecosystem::Binary`], the program's name, its upstream version, and its CPE.
//!
//! Go programs (Traefik, Consul, Vault, etcd...) carry their main module in the Go build info: [`go_cpes`] adds
//! the CPE of a known main module to the package the `go/binary` analyzer already reports, and the CPE of the
//! Go toolchain to the `stdlib` of `cmd/go`, so these are matched by CPE without being reported twice.
//!
//! The scan is linear in the file's size (each pattern is searched once from the start; the caller bounds the
//! size of what it reads), and a file whose bytes do not hold the pattern gives nothing.

use crate::go::binary::BuildInfo;
use trawl_types::cpe::Cpe;
use trawl_types::{Ecosystem, Package};

/// A program this module recognises.
#[derive(Debug, Clone, Copy)]
pub struct Program {
    /// The package name reported.
    pub name: &'static str,
    /// CPE vendors and products it is known under (NVD renames vendors: `nginx:nginx` became `f5:nginx`).
    pub cpes: &'static [(&'static str, &'static str)],
    find: fn(&str, &[u8]) -> Option<String>,
}

const PYTHON: Program = Program {
    name: "python",
    cpes: &[("python", "python")],
    find: find_python,
};
const NODE: Program = Program {
    name: "node",
    cpes: &[("nodejs", "node.js")],
    find: |_, b| after(b, b"node.js/v", version_at),
};
const OPENJDK: Program = Program {
    name: "openjdk",
    cpes: &[("oracle", "openjdk")],
    find: find_openjdk,
};
const REDIS: Program = Program {
    name: "redis",
    cpes: &[("redis", "redis"), ("redislabs", "redis")],
    find: find_redis,
};
const NGINX: Program = Program {
    name: "nginx",
    cpes: &[("f5", "nginx"), ("nginx", "nginx")],
    find: |_, b| {
        after(b, b"nginx version: nginx/", version_at).or_else(|| after(b, b"\0nginx/", version_at))
    },
};
const HTTPD: Program = Program {
    name: "httpd",
    cpes: &[("apache", "http_server")],
    find: |_, b| after(b, b"Apache/2.", |b, i| version_at(b, i - 2)),
};
const POSTGRES: Program = Program {
    name: "postgresql",
    cpes: &[("postgresql", "postgresql")],
    find: |_, b| after(b, b"(PostgreSQL) ", version_at),
};
const MARIADB: Program = Program {
    name: "mariadb",
    cpes: &[("mariadb", "mariadb")],
    find: find_mariadb,
};
const MYSQL: Program = Program {
    name: "mysql",
    cpes: &[("oracle", "mysql")],
    find: |_, b| after(b, b"/mysql-", version_at),
};
const CURL: Program = Program {
    name: "curl",
    cpes: &[("haxx", "curl"), ("haxx", "libcurl")],
    find: |_, b| {
        after(b, b"libcurl/", version_at)
            .or_else(|| after(b, b"CLIENT libcurl ", version_at))
            .or_else(|| after(b, b"\0curl/", version_at))
    },
};
const OPENSSL: Program = Program {
    name: "openssl",
    cpes: &[("openssl", "openssl")],
    find: find_openssl,
};
const BUSYBOX: Program = Program {
    name: "busybox",
    cpes: &[("busybox", "busybox")],
    find: |_, b| after(b, b"BusyBox v", version_at),
};
const HAPROXY: Program = Program {
    name: "haproxy",
    cpes: &[("haproxy", "haproxy")],
    find: find_haproxy,
};

/// Every program recognised from its file (for docs and tests).
pub const PROGRAMS: &[Program] = &[
    PYTHON, NODE, OPENJDK, REDIS, NGINX, HTTPD, POSTGRES, MARIADB, MYSQL, CURL, OPENSSL, BUSYBOX,
    HAPROXY,
];

/// The program a file may be, by its path (no I/O).
pub fn program_for(path: &str) -> Option<&'static Program> {
    let (dir, base) = path.rsplit_once('/').unwrap_or(("", path));
    let lib = |stem: &str| {
        base.strip_prefix(stem)
            .is_some_and(|r| r.is_empty() || r.starts_with('.'))
    };
    Some(match base {
        "node" | "nodejs" => &NODE,
        // the same program under the names `make install` links to it (Debian ships the file as
        // `redis-check-rdb` with `redis-server` a link to it)
        "redis-server" | "redis-sentinel" | "redis-check-rdb" | "redis-check-aof" => &REDIS,
        "nginx" => &NGINX,
        "httpd" | "apache2" => &HTTPD,
        "postgres" => &POSTGRES,
        "mariadbd" => &MARIADB,
        "mysqld" => &MYSQL,
        "curl" => &CURL,
        "openssl" => &OPENSSL,
        "busybox" => &BUSYBOX,
        // BusyBox's own images store the one file as `bin/[` (the first applet in tar order) and every other
        // name, `bin/busybox` included, as a hard link to it; the version string decides, so coreutils' `[`
        // gives nothing.
        "[" if dir == "bin" || dir == "usr/bin" => &BUSYBOX,
        "haproxy" => &HAPROXY,
        "java" if dir == "bin" || dir.ends_with("/bin") => &OPENJDK,
        _ if python_name(base).is_some() => &PYTHON,
        _ if lib("libnode.so") => &NODE,
        _ if lib("libcurl.so") => &CURL,
        _ if lib("libcrypto.so") || lib("libssl.so") => &OPENSSL,
        _ => return None,
    })
}

/// `python3`, `python3.11`, `python3.11m`, `libpython3.11.so.1.0`, `libpython3.11m.so`: the minor version the
/// name gives (`Some(None)` for `python3`).
fn python_name(base: &str) -> Option<Option<&str>> {
    let (rest, lib) = match base.strip_prefix("libpython") {
        Some(r) => (r, true),
        None => (base.strip_prefix("python")?, false),
    };
    let (ver, tail) = match rest.find(".so") {
        Some(i) if lib => (&rest[..i], &rest[i..]),
        _ if lib => return None,
        _ => (rest, ""),
    };
    let ver = ver.strip_suffix('m').unwrap_or(ver);
    if lib && !(tail == ".so" || tail.starts_with(".so.")) {
        return None;
    }
    match ver {
        "3" if !lib => Some(None),
        _ => {
            let minor = ver.strip_prefix("3.")?;
            (!minor.is_empty() && minor.len() <= 3 && minor.bytes().all(|b| b.is_ascii_digit()))
                .then_some(Some(ver))
        }
    }
}

/// Whether the bytes start like an executable or shared object (ELF, Mach-O).
pub fn is_object(content: &[u8]) -> bool {
    content.starts_with(b"\x7fELF")
        || [
            [0xfe, 0xed, 0xfa, 0xce],
            [0xfe, 0xed, 0xfa, 0xcf],
            [0xce, 0xfa, 0xed, 0xfe],
            [0xcf, 0xfa, 0xed, 0xfe],
        ]
        .iter()
        .any(|m| content.starts_with(m))
}

/// The package of the program at `path`, when its bytes say which version it is.
pub fn parse(path: &str, content: &[u8]) -> Option<Package> {
    let program = program_for(path)?;
    if !is_object(content) {
        return None;
    }
    let base = path.rsplit('/').next().unwrap_or(path);
    let version = (program.find)(base, content)?;
    let mut p = crate::package(Ecosystem::Binary, program.name, &version);
    p.cpes = program
        .cpes
        .iter()
        .map(|(vendor, product)| Cpe::application(vendor, product, &version).to_string())
        .collect();
    Some(p)
}

/// Go main modules whose program has a CPE of its own: module path (major-version suffix `/vN` removed),
/// CPE vendor and product.
const GO_PROGRAMS: &[(&str, &str, &str)] = &[
    ("github.com/traefik/traefik", "traefik", "traefik"),
    ("github.com/containous/traefik", "traefik", "traefik"),
    ("github.com/hashicorp/consul", "hashicorp", "consul"),
    ("github.com/hashicorp/vault", "hashicorp", "vault"),
    ("github.com/hashicorp/nomad", "hashicorp", "nomad"),
    ("github.com/hashicorp/terraform", "hashicorp", "terraform"),
    ("go.etcd.io/etcd", "etcd", "etcd"),
    ("go.etcd.io/etcd/server", "etcd", "etcd"),
    ("github.com/coreos/etcd", "etcd", "etcd"),
    ("github.com/caddyserver/caddy", "caddyserver", "caddy"),
    ("github.com/minio/minio", "minio", "minio"),
    (
        "github.com/prometheus/prometheus",
        "prometheus",
        "prometheus",
    ),
    ("github.com/grafana/grafana", "grafana", "grafana"),
    (
        "github.com/containerd/containerd",
        "linuxfoundation",
        "containerd",
    ),
    ("github.com/opencontainers/runc", "linuxfoundation", "runc"),
    ("k8s.io/kubernetes", "kubernetes", "kubernetes"),
];

/// The CPE vendor and product of a Go main module, when it is a program with one.
pub fn go_program(module: &str) -> Option<(&'static str, &'static str)> {
    let trimmed = match module.rsplit_once("/v") {
        Some((head, major)) if !major.is_empty() && major.bytes().all(|b| b.is_ascii_digit()) => {
            head
        }
        _ => module,
    };
    GO_PROGRAMS
        .iter()
        .find(|(m, _, _)| *m == trimmed)
        .map(|(_, v, p)| (*v, *p))
}

/// Adds CPEs to the packages of a Go binary (from [`BuildInfo::packages`]): the main module's when it is a
/// known program with a release version, and `golang:go` to `stdlib` when the binary is the Go toolchain
/// itself (`cmd/go`).
pub fn go_cpes(info: &BuildInfo, packages: &mut [Package]) {
    let toolchain = info.path == "cmd/go";
    for p in packages {
        if p.relationship == Some(trawl_types::Relationship::Root)
            && let Some((vendor, product)) = go_program(&p.name)
            && p.version.starts_with(|c: char| c.is_ascii_digit())
            && !p.version.starts_with("0.0.0-")
        {
            p.cpes = vec![Cpe::application(vendor, product, &p.version).to_string()];
        } else if toolchain && p.name == "stdlib" {
            p.cpes = vec![Cpe::application("golang", "go", &p.version).to_string()];
        }
    }
}

// ---- pattern helpers ----

/// Longest version string taken.
const MAX_VERSION: usize = 40;

/// Calls `f` at the end of each occurrence of `needle` until one gives a version.
fn after(b: &[u8], needle: &[u8], f: fn(&[u8], usize) -> Option<String>) -> Option<String> {
    let mut from = 0;
    while let Some(i) = find(&b[from..], needle) {
        let end = from + i + needle.len();
        if let Some(v) = f(b, end) {
            return Some(v);
        }
        from = from + i + 1;
    }
    None
}

/// First index of `needle` in `hay`.
fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    let (&first, rest) = needle.split_first()?;
    let mut i = 0;
    while i + needle.len() <= hay.len() {
        let j = hay[i..=hay.len() - needle.len()]
            .iter()
            .position(|&c| c == first)?;
        let at = i + j;
        if hay[at + 1..].starts_with(rest) {
            return Some(at);
        }
        i = at + 1;
    }
    None
}

/// A dotted numeric version starting at `i`: `N.N[.N...]` (at least two numbers), with an OpenSSL-style letter
/// suffix kept (`1.1.1w`) and anything else (` `, `-`, `(`, `+`) ending it.
fn version_at(b: &[u8], i: usize) -> Option<String> {
    let s = b.get(i..)?;
    let mut end = 0;
    let mut dots = 0;
    while end < s.len() && end < MAX_VERSION {
        match s[end] {
            c if c.is_ascii_digit() => end += 1,
            b'.' if end > 0
                && s[end - 1].is_ascii_digit()
                && s.get(end + 1).is_some_and(u8::is_ascii_digit) =>
            {
                dots += 1;
                end += 1;
            }
            _ => break,
        }
    }
    if dots == 0 || end == 0 {
        return None;
    }
    let mut v = String::from_utf8_lossy(&s[..end]).into_owned();
    // OpenSSL 1.x letters (`1.1.1w`, `1.0.2za`)
    let letters = s[end..]
        .iter()
        .take_while(|c| c.is_ascii_lowercase())
        .count();
    if letters > 0 && letters <= 2 && !s.get(end + letters).is_some_and(u8::is_ascii_alphanumeric) {
        v.push_str(&String::from_utf8_lossy(&s[end..end + letters]));
    }
    Some(v)
}

/// The NUL-terminated string at `i` (at most `MAX_VERSION` bytes).
fn c_string(b: &[u8], i: usize) -> Option<&str> {
    let s = b.get(i..)?;
    let n = s.iter().take(MAX_VERSION + 1).position(|&c| c == 0)?;
    std::str::from_utf8(&s[..n]).ok()
}

// ---- per-program finders ----

/// CPython keeps `PY_VERSION` as its own C string (`"3.11.2"`), beside `Py_GetVersion`'s format
/// `"%.80s (%.80s) %.80s"` in the library and `"Python %s"` in both. The name gives the minor version to look
/// for (`python3.11` -> `\03.11.N\0`); `python3` looks for any `\03.N.N\0`.
fn find_python(base: &str, b: &[u8]) -> Option<String> {
    let minor = python_name(base)?;
    if find(b, b"Python %s").is_none() && find(b, b"%.80s (%.80s) %.80s").is_none() {
        return None;
    }
    let prefix = format!("\0{}.", minor.unwrap_or("3"));
    let mut from = 0;
    while let Some(i) = find(&b[from..], prefix.as_bytes()) {
        let start = from + i + 1;
        if let Some(s) = c_string(b, start)
            && let Some(v) = version_at(s.as_bytes(), 0)
            && (minor.is_some() || v.matches('.').count() == 2)
        {
            // a release string is the whole C string, or the version with a pre-release tag (`3.12.0rc1`)
            let rest = &s[v.len()..];
            if rest.is_empty() || rest.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'+') {
                return Some(s.to_owned());
            }
        }
        from = start;
    }
    None
}

/// The OpenJDK launcher keeps `"openjdk"` (the launcher name) and the full runtime version
/// (`17.0.19+10-1-deb12u2-Debian`) as C strings next to each other; the upstream version is up to the first
/// `-` (`17.0.19+10`).
fn find_openjdk(_: &str, b: &[u8]) -> Option<String> {
    let mut from = 0;
    while let Some(i) = find(&b[from..], b"\0openjdk\0") {
        // the launcher name, `java`, the dot version `0.0`, then the full version: the first of the next C
        // strings that is a runtime version (`17.0.19+10...`, JDK 8's `1.8.0_392-b08`)
        let mut j = from + i + b"\0openjdk\0".len();
        for _ in 0..6 {
            while b.get(j) == Some(&0) && j < from + i + 256 {
                j += 1;
            }
            let Some(s) = c_string(b, j) else { break };
            if s.starts_with(|c: char| c.is_ascii_digit()) && s.contains(['+', '_']) {
                let up = s.split('-').next().unwrap_or(s);
                if up
                    .bytes()
                    .all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'+' | b'_'))
                {
                    return Some(up.to_owned());
                }
            }
            j += s.len() + 1;
        }
        from = from + i + 1;
    }
    None
}

/// Redis keeps `REDIS_VERSION` as a C string (`"7.0.15"`); its `INFO` format `"redis_version:%s"` tells that
/// the file is Redis.
fn find_redis(_: &str, b: &[u8]) -> Option<String> {
    find(b, b"redis_version:%s")?;
    let mut from = 0;
    while let Some(i) = find(&b[from..], b"\0") {
        let start = from + i + 1;
        if b.get(start).is_some_and(u8::is_ascii_digit)
            && let Some(s) = c_string(b, start)
            && let Some(v) = version_at(s.as_bytes(), 0)
            && v.len() == s.len()
            && v.matches('.').count() == 2
        {
            return Some(v);
        }
        from = start;
        // skip to the next NUL quickly
        match b[from..].iter().position(|&c| c == 0) {
            Some(n) => from += n,
            None => return None,
        }
    }
    None
}

/// MariaDB's server version string is `"10.11.14-MariaDB"`.
fn find_mariadb(_: &str, b: &[u8]) -> Option<String> {
    let mut from = 0;
    while let Some(i) = find(&b[from..], b"-MariaDB") {
        let at = from + i;
        let start = b[..at]
            .iter()
            .rposition(|c| !(c.is_ascii_digit() || *c == b'.'))
            .map_or(0, |p| p + 1);
        if let Some(v) = version_at(b, start)
            && start + v.len() == at
        {
            return Some(v);
        }
        from = at + 1;
    }
    None
}

/// OpenSSL's `OPENSSL_VERSION_TEXT`: `"OpenSSL 3.0.20 7 Apr 2026"`, `"OpenSSL 1.1.1w  11 Sep 2023"`.
fn find_openssl(_: &str, b: &[u8]) -> Option<String> {
    after(b, b"OpenSSL ", |b, i| {
        let v = version_at(b, i)?;
        let rest = b.get(i + v.len()..i + v.len() + 3)?;
        // the release date follows
        (rest[0] == b' '
            && (rest[1].is_ascii_digit() || (rest[1] == b' ' && rest[2].is_ascii_digit())))
        .then_some(v)
    })
}

/// HAProxy's banner: `"version 2.6.12-1+deb12u3, released 2025/10/03"`.
fn find_haproxy(_: &str, b: &[u8]) -> Option<String> {
    after(b, b"version ", |b, i| {
        let v = version_at(b, i)?;
        let tail = b.get(i + v.len()..)?;
        let comma = tail.iter().take(48).position(|&c| c == b',')?;
        tail[comma..].starts_with(b", released ").then_some(v)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn elf(body: &[u8]) -> Vec<u8> {
        let mut v = b"\x7fELF\x02\x01\x01\0".to_vec();
        v.extend_from_slice(body);
        v
    }

    #[test]
    fn candidates() {
        for (path, want) in [
            ("usr/bin/python3.11", Some("python")),
            ("usr/local/bin/python3", Some("python")),
            (
                "usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0",
                Some("python"),
            ),
            ("usr/lib/libpython3.7m.so", Some("python")),
            ("usr/bin/python3.11-config", None),
            ("usr/lib/libpython3.11.a", None),
            ("usr/bin/node", Some("node")),
            ("usr/lib/x86_64-linux-gnu/libnode.so.108", Some("node")),
            ("opt/java/openjdk/bin/java", Some("openjdk")),
            ("usr/share/java", None),
            ("usr/bin/redis-server", Some("redis")),
            ("usr/sbin/nginx", Some("nginx")),
            ("usr/sbin/apache2", Some("httpd")),
            ("usr/lib/postgresql/15/bin/postgres", Some("postgresql")),
            ("usr/sbin/mariadbd", Some("mariadb")),
            ("usr/sbin/mysqld", Some("mysql")),
            ("usr/lib/x86_64-linux-gnu/libcurl.so.4.8.0", Some("curl")),
            ("usr/lib/x86_64-linux-gnu/libcrypto.so.3", Some("openssl")),
            ("usr/lib/x86_64-linux-gnu/libssl.so.1.1", Some("openssl")),
            ("usr/lib/x86_64-linux-gnu/libssl3.so", None),
            ("bin/busybox", Some("busybox")),
            ("bin/[", Some("busybox")),
            ("usr/lib/[", None),
            ("usr/sbin/haproxy", Some("haproxy")),
            ("etc/nginx/nginx.conf", None),
        ] {
            assert_eq!(program_for(path).map(|p| p.name), want, "{path}");
        }
    }

    #[test]
    fn versions_from_strings() {
        let cases: &[(&str, &[u8], &str)] = &[
            (
                "usr/sbin/nginx",
                b"\0nginx version: nginx/1.22.1\0",
                "1.22.1",
            ),
            ("usr/sbin/httpd", b"\0Apache/2.4.67 (Debian)\0", "2.4.67"),
            (
                "bin/busybox",
                b"BusyBox v1.35.0 (Debian 1:1.35.0-4)\0",
                "1.35.0",
            ),
            (
                "usr/bin/openssl",
                b"\0OpenSSL 1.1.1w  11 Sep 2023\0",
                "1.1.1w",
            ),
            ("libcrypto.so.3", b"\0OpenSSL 3.0.20 7 Apr 2026\0", "3.0.20"),
            (
                "usr/sbin/haproxy",
                b"\0version 2.6.12-1+deb12u3, released 2025/10/03\0",
                "2.6.12",
            ),
            (
                "usr/sbin/mariadbd",
                b"\0-0+deb12u2\x0010.11.14-MariaDB\0",
                "10.11.14",
            ),
            (
                "usr/bin/python3.11",
                b"Python %s\0\x003.1\x003.11.2\0",
                "3.11.2",
            ),
            (
                "usr/bin/python3",
                b"Python %s\0\x003.12.0rc1\0",
                "3.12.0rc1",
            ),
            (
                "usr/bin/redis-server",
                b"redis_version:%s\0err\x007.0.15\0c11\0",
                "7.0.15",
            ),
            (
                "bin/java",
                b"\0openjdk\0java\x000.0\x0017.0.19+10-1-deb12u2-Debian\0",
                "17.0.19+10",
            ),
            ("usr/bin/curl", b"\0curl/7.88.1\0", "7.88.1"),
            (
                "postgres",
                b"postgres (PostgreSQL) 15.17 (Debian)\0",
                "15.17",
            ),
        ];
        for (path, body, want) in cases {
            let p = parse(path, &elf(body)).unwrap_or_else(|| panic!("{path}: nothing"));
            assert_eq!(p.version, *want, "{path}");
            assert_eq!(p.ecosystem, Some(Ecosystem::Binary));
            assert!(!p.cpes.is_empty());
        }
        let n = parse("usr/sbin/nginx", &elf(b"\0nginx/1.22.1\0")).expect("nginx");
        assert_eq!(
            n.cpes,
            [
                "cpe:2.3:a:f5:nginx:1.22.1:*:*:*:*:*:*:*",
                "cpe:2.3:a:nginx:nginx:1.22.1:*:*:*:*:*:*:*"
            ]
        );
    }

    #[test]
    fn nothing_from_other_files() {
        // a program's pattern is only searched in that program's files: nginx names the OpenSSL it was built with
        assert!(parse("usr/sbin/nginx", &elf(b"OpenSSL 3.0.19 27 Jan 2026")).is_none());
        // not an object file
        assert!(parse("usr/sbin/nginx", b"nginx version: nginx/1.22.1").is_none());
        // garbage, truncated ELF, empty
        let garbage: Vec<u8> = (0..200_000u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        assert!(parse("usr/sbin/nginx", &elf(&garbage)).is_none());
        assert!(parse("usr/sbin/nginx", b"\x7fEL").is_none());
        assert!(parse("usr/bin/python3", &elf(b"Python %s\0\x003.\0")).is_none());
        assert!(parse("usr/sbin/haproxy", &elf(b"version 2.6.12")).is_none());
        assert!(parse("usr/bin/redis-server", &elf(b"\x007.0.15\0")).is_none());
    }

    #[test]
    fn go_programs() {
        assert_eq!(
            go_program("github.com/hashicorp/vault"),
            Some(("hashicorp", "vault"))
        );
        assert_eq!(
            go_program("github.com/traefik/traefik/v3"),
            Some(("traefik", "traefik"))
        );
        assert_eq!(
            go_program("go.etcd.io/etcd/server/v3"),
            Some(("etcd", "etcd"))
        );
        assert_eq!(go_program("github.com/example/vault"), None);
        let mut info = crate::go::binary::parse_modinfo(
            "path\tgithub.com/hashicorp/vault\nmod\tgithub.com/hashicorp/vault\tv1.15.2\t\n",
        );
        info.go_version = "go1.21.3".into();
        let mut pkgs = info.packages();
        go_cpes(&info, &mut pkgs);
        assert_eq!(
            pkgs[0].cpes,
            ["cpe:2.3:a:hashicorp:vault:1.15.2:*:*:*:*:*:*:*"]
        );
        assert!(pkgs[1].cpes.is_empty(), "stdlib of a program");
        let mut tool = crate::go::binary::parse_modinfo("path\tcmd/go\n");
        tool.go_version = "go1.19.8".into();
        let mut pkgs = tool.packages();
        go_cpes(&tool, &mut pkgs);
        assert_eq!(pkgs[0].name, "stdlib");
        assert_eq!(pkgs[0].cpes, ["cpe:2.3:a:golang:go:1.19.8:*:*:*:*:*:*:*"]);
    }
}
