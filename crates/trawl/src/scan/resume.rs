//! `--resume STATE`: a many-image run records each image's report in STATE as soon as it is scanned (one JSON
//! line per image, flushed and synced), so a rerun after a crash, a kill or a timeout skips the images already
//! reported and still ends with one report holding every image exactly once.
//!
//! Only scanned images are recorded: those that failed are tried again by the rerun. A line cut short by a kill
//! is dropped when the file is opened (the file is truncated to its last complete line).

use anyhow::Context;
use std::collections::HashMap;
use std::io::{BufRead, Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use trawl_report::Report;

/// One line of the state file.
#[derive(serde::Serialize, serde::Deserialize)]
struct Line {
    name: String,
    report: Report,
}

/// The state of a resumable run.
pub(crate) struct ResumeState {
    path: PathBuf,
    file: Mutex<std::fs::File>,
    done: Mutex<HashMap<String, Report>>,
}

impl ResumeState {
    /// Opens (or creates) the state file and reads the images it already holds.
    pub(crate) fn open(path: &Path) -> anyhow::Result<ResumeState> {
        if let trawl_fs::Destination::Special { .. } = trawl_fs::destination(path)
            .with_context(|| format!("cannot use the state file {}", path.display()))?
        {
            anyhow::bail!(
                "--resume {}: not a regular file (a device or FIFO cannot hold the run's state)",
                path.display()
            );
        }
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
        }
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(path)
            .with_context(|| format!("cannot open the state file {}", path.display()))?;
        let mut done = HashMap::new();
        let mut complete_len = 0u64;
        let mut skipped = 0usize;
        {
            let mut reader = std::io::BufReader::new(&file);
            let mut line = String::new();
            loop {
                line.clear();
                let n = reader
                    .read_line(&mut line)
                    .with_context(|| format!("cannot read the state file {}", path.display()))?;
                if n == 0 || !line.ends_with('\n') {
                    break;
                }
                complete_len += n as u64;
                match serde_json::from_str::<Line>(&line) {
                    Ok(l) => {
                        done.insert(l.name, l.report);
                    }
                    Err(_) => skipped += 1,
                }
            }
        }
        let len = file.metadata().map(|m| m.len()).unwrap_or(complete_len);
        if len > complete_len {
            tracing::warn!(
                "{}: dropping a last line cut short ({} bytes; the run was killed while writing it)",
                path.display(),
                len - complete_len
            );
            file.set_len(complete_len)
                .with_context(|| format!("cannot repair the state file {}", path.display()))?;
            file.seek(std::io::SeekFrom::End(0))?;
        }
        if skipped > 0 {
            tracing::warn!(
                "{}: {skipped} line(s) are not image records and were ignored",
                path.display()
            );
        }
        Ok(ResumeState {
            path: path.to_owned(),
            file: Mutex::new(file),
            done: Mutex::new(done),
        })
    }

    /// How many images the file already holds.
    pub(crate) fn len(&self) -> usize {
        lock(&self.done).len()
    }

    /// The report recorded for `name`, taken out of the state (an image is reported once).
    pub(crate) fn take(&self, name: &str) -> Option<Report> {
        lock(&self.done).remove(name)
    }

    /// Appends `name`'s report and syncs it to disk. A failure is a warning: the run goes on, only resuming
    /// it would scan the image again.
    pub(crate) fn record(&self, name: &str, report: &Report) {
        let line = Line {
            name: name.to_owned(),
            report: report.clone(),
        };
        let written = serde_json::to_string(&line)
            .map_err(std::io::Error::other)
            .and_then(|mut text| {
                text.push('\n');
                let mut f = lock(&self.file);
                f.write_all(text.as_bytes())?;
                f.flush()?;
                f.sync_data()
            });
        if let Err(e) = written {
            tracing::warn!("{}: cannot record {name}: {e}", self.path.display());
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_survive_a_torn_last_line() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("state.jsonl");
        let report = Report::new(trawl_report::Artifact::default());
        {
            let s = ResumeState::open(&path).expect("open");
            assert_eq!(s.len(), 0);
            s.record("a:1", &report);
            s.record("b:1", &report);
        }
        // A kill in the middle of the third line.
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .expect("open");
        f.write_all(br#"{"name":"c:1","rep"#).expect("write");
        drop(f);
        let s = ResumeState::open(&path).expect("reopen");
        assert_eq!(s.len(), 2);
        s.record("c:1", &report);
        drop(s);
        let s = ResumeState::open(&path).expect("reopen");
        assert_eq!(s.len(), 3);
        assert!(s.take("c:1").is_some());
        assert!(s.take("c:1").is_none(), "taken once");
        assert!(ResumeState::open(Path::new("/dev/null")).is_err());
    }
}
