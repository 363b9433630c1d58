//! Safe file writes shared by every trawl writer: where a write may go ([`destination`]), temporary files named
//! after the process that made them ([`temp_file`]), and the removal of those that killed runs left behind
//! ([`remove_stale_temps`]).
//!
//! Every trawl output (report, advisory DB, cache entry, source index) is written to a temporary file beside its
//! destination and renamed over it, so a reader never sees half a file. Two things can go wrong with that:
//! - the destination is not a regular file: renaming over `/dev/null` or a FIFO replaces it with a file
//!   ([`destination`] tells the caller, who writes in place or refuses);
//! - the process is killed between creating the temporary file and renaming it: the file stays. Its name carries
//!   the owner's PID and a tag of the machine boot and PID namespace, so the next run can tell whether the owner
//!   is gone ([`remove_stale_temps`]).
#![warn(missing_docs)]

use std::ffi::OsStr;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

/// What a write to a path would replace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    /// A regular file, or nothing yet: write a temporary file in the same directory and rename it over this path
    /// (symlinks already followed, so the rename keeps them and updates their target).
    File(PathBuf),
    /// Not a regular file: renaming over it would replace it with a file.
    Special {
        /// The path (symlinks followed).
        path: PathBuf,
        /// What it is.
        kind: SpecialKind,
    },
}

/// A destination that is not a regular file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpecialKind {
    /// `/dev/null`, `/dev/full`, a terminal...
    CharDevice,
    /// A disk.
    BlockDevice,
    /// A named pipe.
    Fifo,
    /// A Unix socket.
    Socket,
}

impl fmt::Display for SpecialKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SpecialKind::CharDevice => "a character device",
            SpecialKind::BlockDevice => "a block device",
            SpecialKind::Fifo => "a FIFO",
            SpecialKind::Socket => "a socket",
        })
    }
}

/// Most symlinks followed before giving up (Linux's own limit).
const MAX_LINKS: usize = 40;

/// What a write to `path` would replace. Symlinks are followed one hop at a time (a dangling link resolves to
/// the path it names, which the write creates). A directory, or a chain of more than 40 links, is an error.
pub fn destination(path: &Path) -> io::Result<Destination> {
    let mut cur = path.to_owned();
    for _ in 0..MAX_LINKS {
        let meta = match std::fs::symlink_metadata(&cur) {
            Ok(m) => m,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Destination::File(cur)),
            Err(e) => return Err(e),
        };
        let ft = meta.file_type();
        if ft.is_symlink() {
            let target = std::fs::read_link(&cur)?;
            cur = if target.is_absolute() {
                target
            } else {
                cur.parent().unwrap_or(Path::new("")).join(target)
            };
            continue;
        }
        if ft.is_file() {
            return Ok(Destination::File(cur));
        }
        if ft.is_dir() {
            return Err(io::Error::new(
                io::ErrorKind::IsADirectory,
                format!("{} is a directory", cur.display()),
            ));
        }
        return Ok(Destination::Special {
            kind: special_kind(&ft),
            path: cur,
        });
    }
    Err(io::Error::other(format!(
        "{}: more than {MAX_LINKS} symbolic links to follow",
        path.display()
    )))
}

#[cfg(unix)]
fn special_kind(ft: &std::fs::FileType) -> SpecialKind {
    use std::os::unix::fs::FileTypeExt;
    if ft.is_block_device() {
        SpecialKind::BlockDevice
    } else if ft.is_fifo() {
        SpecialKind::Fifo
    } else if ft.is_socket() {
        SpecialKind::Socket
    } else {
        SpecialKind::CharDevice
    }
}

#[cfg(not(unix))]
fn special_kind(_: &std::fs::FileType) -> SpecialKind {
    SpecialKind::CharDevice
}

/// trawl's cache directory (layer cache `layers/`, advisory DB `db/`, feed downloads `feeds/`):
/// `$TRAWL_CACHE_DIR`, else `$XDG_CACHE_HOME/trawl`, else `$HOME/.cache/trawl`, else `TMPDIR/trawl-cache`.
/// Empty variables count as unset.
pub fn cache_dir() -> PathBuf {
    cache_dir_from(&|k| std::env::var_os(k))
}

fn cache_dir_from(env: &dyn Fn(&str) -> Option<std::ffi::OsString>) -> PathBuf {
    let var = |k: &str| env(k).filter(|v| !v.is_empty()).map(PathBuf::from);
    var("TRAWL_CACHE_DIR")
        .or_else(|| var("XDG_CACHE_HOME").map(|d| d.join("trawl")))
        .or_else(|| var("HOME").map(|d| d.join(".cache").join("trawl")))
        .unwrap_or_else(|| std::env::temp_dir().join("trawl-cache"))
}

/// The directory a file is written in: its parent, or `.` for a bare file name.
pub fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    }
}

/// A temporary file in `dir`, named `.trawl-PURPOSE.TAG.PID.RANDOM.tmp` so that [`remove_stale_temps`] can tell
/// whether its owner is gone. `purpose` is a short word without dots (`db-build`, `layer`).
pub fn temp_file(dir: &Path, purpose: &str) -> io::Result<tempfile::NamedTempFile> {
    tempfile::Builder::new()
        .prefix(&format!(
            ".trawl-{purpose}.{}.{}.",
            owner_tag(),
            std::process::id()
        ))
        .suffix(".tmp")
        .tempfile_in(dir)
}

/// A temporary file left by a run that is still alive but has not written it for this long is stale too (its
/// PID was reused after a kill).
const STALE_WITH_LIVE_OWNER: Duration = Duration::from_secs(24 * 3600);
/// A temporary file whose owner cannot be checked (another machine or PID namespace, an older name) is stale
/// when nobody has written it for this long.
const STALE_UNKNOWN_OWNER: Duration = Duration::from_secs(3600);

/// Removes the temporary files of `dir` made by [`temp_file`] with a purpose starting with `purpose_prefix`
/// (`db-` matches `db-build`, `db-update`...) whose owner is gone, or that are stale by age (see the crate docs);
/// also the older names `.trawl-PURPOSE-RANDOM.tmp` by age. Only regular files are removed, links are not
/// followed. Best effort: returns how many were removed.
pub fn remove_stale_temps(dir: &Path, purpose_prefix: &str) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let lead = format!(".trawl-{purpose_prefix}");
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if !name.starts_with(&lead) || !(name.ends_with(".tmp") || name.ends_with(".tmp-journal")) {
            continue;
        }
        let Ok(meta) = entry.path().symlink_metadata() else {
            continue;
        };
        if !meta.file_type().is_file() {
            continue;
        }
        let idle = meta
            .modified()
            .ok()
            .and_then(|m| m.elapsed().ok())
            .unwrap_or(Duration::ZERO);
        let stale = match owner_alive(name) {
            Some(false) => true,
            Some(true) => idle >= STALE_WITH_LIVE_OWNER,
            None => idle >= STALE_UNKNOWN_OWNER,
        };
        if stale && std::fs::remove_file(entry.path()).is_ok() {
            tracing::info!(
                "removed {} (a temporary file left by an interrupted run)",
                entry.path().display()
            );
            removed += 1;
        }
    }
    removed
}

/// Whether the process that made a temporary file named `name` is alive: `None` when that cannot be told (an
/// older name, another boot or PID namespace, no `/proc`).
fn owner_alive(name: &str) -> Option<bool> {
    let mut parts = name.split('.');
    // "", "trawl-PURPOSE", TAG, PID, RANDOM, "tmp"[-journal]
    let (Some(""), Some(_), Some(tag), Some(pid), Some(_), Some(_), None) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return None;
    };
    let pid: u32 = pid.parse().ok()?;
    if tag != owner_tag() || !Path::new("/proc/self").is_dir() {
        return None;
    }
    Some(Path::new("/proc").join(pid.to_string()).exists())
}

/// A short tag of this machine's boot and this process's PID namespace: two processes with the same tag see the
/// same PIDs. `x` where that cannot be read (no `/proc`): such names are judged by age only.
fn owner_tag() -> &'static str {
    static TAG: OnceLock<String> = OnceLock::new();
    TAG.get_or_init(|| {
        let boot = std::fs::read_to_string("/proc/sys/kernel/random/boot_id");
        let ns = std::fs::read_link("/proc/self/ns/pid");
        match (boot, ns) {
            (Ok(boot), Ok(ns)) => {
                // Stable across builds and platforms (the std hasher is not).
                let h = trawl_types::hash::Fnv1a::new()
                    .update(boot.trim().as_bytes())
                    .update(&[0])
                    .update(OsStr::as_encoded_bytes(ns.as_os_str()))
                    .finish_u32();
                format!("{h:08x}")
            }
            _ => "x".to_owned(),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::SystemTime;

    fn age(path: &Path, by: Duration) {
        let f = std::fs::File::options()
            .write(true)
            .open(path)
            .expect("open to age");
        f.set_modified(SystemTime::now() - by).expect("set mtime");
    }

    /// The three former copies disagreed: the scan's ignored `TRAWL_CACHE_DIR` (so `db build --from-upstream`
    /// and offline bundles put feeds under `~/.cache` while the DB went to `$TRAWL_CACHE_DIR`), the layer
    /// crate's had no fallback without `HOME`.
    #[test]
    fn cache_dir_order() {
        let of = |vars: &[(&str, &str)]| {
            let vars: Vec<(String, String)> = vars
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect();
            cache_dir_from(&move |k| {
                vars.iter()
                    .find(|(n, _)| n == k)
                    .map(|(_, v)| std::ffi::OsString::from(v))
            })
        };
        let all = [
            ("TRAWL_CACHE_DIR", "/t"),
            ("XDG_CACHE_HOME", "/x"),
            ("HOME", "/h"),
        ];
        assert_eq!(of(&all), PathBuf::from("/t"));
        assert_eq!(of(&all[1..]), PathBuf::from("/x/trawl"));
        assert_eq!(of(&all[2..]), PathBuf::from("/h/.cache/trawl"));
        assert_eq!(
            of(&[
                ("TRAWL_CACHE_DIR", ""),
                ("XDG_CACHE_HOME", ""),
                ("HOME", "/h")
            ]),
            PathBuf::from("/h/.cache/trawl")
        );
        assert_eq!(of(&[]), std::env::temp_dir().join("trawl-cache"));
    }

    #[test]
    fn destinations() {
        let dir = tempfile::tempdir().expect("tempdir");
        let missing = dir.path().join("new.db");
        assert_eq!(
            destination(&missing).expect("missing"),
            Destination::File(missing.clone())
        );
        let file = dir.path().join("file");
        std::fs::write(&file, b"x").expect("write");
        assert_eq!(
            destination(&file).expect("file"),
            Destination::File(file.clone())
        );
        // A link to a file and a dangling link both resolve to their target.
        let link = dir.path().join("link");
        std::os::unix::fs::symlink("file", &link).expect("symlink");
        assert_eq!(
            destination(&link).expect("link"),
            Destination::File(dir.path().join("file"))
        );
        let dangling = dir.path().join("dangling");
        std::os::unix::fs::symlink(dir.path().join("sub-nothing"), &dangling).expect("symlink");
        assert_eq!(
            destination(&dangling).expect("dangling"),
            Destination::File(dir.path().join("sub-nothing"))
        );
        // Devices, through a link too.
        let null = dir.path().join("null");
        std::os::unix::fs::symlink("/dev/null", &null).expect("symlink");
        assert_eq!(
            destination(&null).expect("null"),
            Destination::Special {
                path: PathBuf::from("/dev/null"),
                kind: SpecialKind::CharDevice
            }
        );
        // A loop and a directory are errors.
        let a = dir.path().join("a");
        let b = dir.path().join("b");
        std::os::unix::fs::symlink(&b, &a).expect("symlink");
        std::os::unix::fs::symlink(&a, &b).expect("symlink");
        let e = destination(&a).expect_err("loop");
        assert!(e.to_string().contains("symbolic links"), "{e}");
        let e = destination(dir.path()).expect_err("dir");
        assert_eq!(e.kind(), io::ErrorKind::IsADirectory);
    }

    #[test]
    fn fifo_is_special() {
        let dir = tempfile::tempdir().expect("tempdir");
        let fifo = dir.path().join("fifo");
        let st = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .expect("mkfifo runs");
        assert!(st.success());
        assert!(matches!(
            destination(&fifo).expect("fifo"),
            Destination::Special {
                kind: SpecialKind::Fifo,
                ..
            }
        ));
    }

    #[test]
    fn temp_names_carry_their_owner() {
        let dir = tempfile::tempdir().expect("tempdir");
        let t = temp_file(dir.path(), "db-build").expect("temp");
        let name = t
            .path()
            .file_name()
            .and_then(OsStr::to_str)
            .expect("utf-8 name")
            .to_owned();
        assert!(name.starts_with(".trawl-db-build."), "{name}");
        assert!(
            name.contains(&format!(".{}.", std::process::id())),
            "{name}"
        );
        // Our own live file is kept, even when a day old... almost: only past a day with a live owner.
        age(t.path(), Duration::from_secs(3 * 3600));
        assert_eq!(remove_stale_temps(dir.path(), "db-"), 0);
        assert!(t.path().exists());
        age(t.path(), Duration::from_secs(25 * 3600));
        assert_eq!(remove_stale_temps(dir.path(), "db-"), 1);
        assert!(!t.path().exists());
    }

    #[test]
    fn a_dead_owners_file_goes_at_once_a_live_ones_stays() {
        let dir = tempfile::tempdir().expect("tempdir");
        let tag = owner_tag();
        if tag == "x" {
            return; // no /proc: only the age rule applies (tested below)
        }
        // A PID that is certainly gone: a child we started and reaped.
        let mut child = std::process::Command::new("true")
            .spawn()
            .expect("spawn true");
        let dead = child.id();
        child.wait().expect("reap");
        let gone = dir
            .path()
            .join(format!(".trawl-db-build.{tag}.{dead}.AbCdEf.tmp"));
        std::fs::write(&gone, b"half a DB").expect("write");
        // A live process that is not us: a sleeping child.
        let mut sleeper = std::process::Command::new("sleep")
            .arg("30")
            .spawn()
            .expect("spawn sleep");
        let live = dir
            .path()
            .join(format!(".trawl-db-build.{tag}.{}.GhIjKl.tmp", sleeper.id()));
        std::fs::write(&live, b"being written").expect("write");
        age(&live, Duration::from_secs(2 * 3600));
        // Other machines' files and files of other prefixes are kept while young.
        let foreign = dir
            .path()
            .join(format!(".trawl-db-build.0000beef.{dead}.MnOpQr.tmp"));
        std::fs::write(&foreign, b"x").expect("write");
        let other = dir
            .path()
            .join(format!(".trawl-layer.{tag}.{dead}.StUvWx.tmp"));
        std::fs::write(&other, b"x").expect("write");
        let removed = remove_stale_temps(dir.path(), "db-");
        let _ = sleeper.kill();
        let _ = sleeper.wait();
        assert_eq!(removed, 1);
        assert!(!gone.exists());
        assert!(live.exists() && foreign.exists() && other.exists());
    }

    #[test]
    fn unknown_owners_by_age_and_only_regular_files() {
        let dir = tempfile::tempdir().expect("tempdir");
        let legacy = dir.path().join(".trawl-db-build-AbC123.tmp");
        std::fs::write(&legacy, b"x").expect("write");
        let young = dir.path().join(".trawl-db-update-XyZ789.tmp");
        std::fs::write(&young, b"x").expect("write");
        let unrelated = dir.path().join("trawl.db");
        std::fs::write(&unrelated, b"x").expect("write");
        let linked = dir.path().join(".trawl-db-pull-link.tmp");
        std::os::unix::fs::symlink(&unrelated, &linked).expect("symlink");
        age(&legacy, Duration::from_secs(2 * 3600));
        age(&unrelated, Duration::from_secs(2 * 3600));
        assert_eq!(remove_stale_temps(dir.path(), "db-"), 1);
        assert!(!legacy.exists());
        assert!(young.exists() && unrelated.exists());
        assert!(linked.symlink_metadata().is_ok());
    }
}
