//! A guard between a tar stream and the `tar` crate: it follows the archive's block structure as the bytes pass
//! and refuses an extension entry (GNU long name `L`, GNU long link `K`, PAX `x`) larger than a cap *before* the
//! `tar` crate reads that entry whole into memory (it does, whatever its size). Everything else passes through
//! untouched.
//!
//! The guard tracks the same positions the `tar` crate does: a 512-byte header, then (GNU sparse) extension
//! blocks, then the data rounded up to 512 bytes; a PAX `size` record overrides the next member's size. It only
//! observes the bytes, so an archive it cannot follow is still read (and judged) by the `tar` crate.

use std::io::{self, Read, Seek, SeekFrom};

/// The default cap on one GNU long name / long link / PAX extension entry (a path is at most 4 KiB on Linux).
pub const MAX_TAR_EXTENSION: u64 = 64 * 1024;

const BLOCK: u64 = 512;

/// Where the next bytes of the stream fall.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    /// Bytes of a header block.
    Header,
    /// Bytes of a GNU sparse extension block.
    SparseExt,
    /// Data (and padding) of the current member: nothing to look at.
    Data,
    /// Data of a PAX `x` entry (kept to find a `size` record).
    PaxData,
}

/// Wraps a tar stream; see the module docs.
#[derive(Debug)]
pub struct TarGuard<R> {
    inner: R,
    max_extension: u64,
    /// Absolute position of the next byte read from `inner`.
    pos: u64,
    /// Absolute position where the current part ends.
    part_end: u64,
    part: Part,
    block: Vec<u8>,
    pax: Vec<u8>,
    /// Size of the pending PAX data (the current `x` entry), as declared.
    pax_declared: u64,
    /// A PAX `size` record waiting for the member it describes.
    pending_pax_size: Option<u64>,
    /// Data size of the member whose sparse extension blocks are being read.
    sparse_data: u64,
    /// Set once the guard refused the archive: every later read fails the same way.
    refused: Option<String>,
    /// Set at the first all-zero header block (the `tar` crate stops there).
    ended: bool,
}

impl<R> TarGuard<R> {
    /// Guards `inner`, refusing extension entries larger than `max_extension` bytes.
    pub fn new(inner: R, max_extension: u64) -> Self {
        TarGuard {
            inner,
            max_extension,
            pos: 0,
            part_end: BLOCK,
            part: Part::Header,
            block: Vec::with_capacity(BLOCK as usize),
            pax: Vec::new(),
            pax_declared: 0,
            pending_pax_size: None,
            sparse_data: 0,
            refused: None,
            ended: false,
        }
    }

    /// The wrapped stream.
    pub fn into_inner(self) -> R {
        self.inner
    }

    fn refuse(&mut self, message: String) -> io::Error {
        self.refused = Some(message.clone());
        io::Error::new(io::ErrorKind::InvalidData, message)
    }

    /// Starts the data part of `size` bytes (rounded up to a block) after the current position `at`.
    fn data_then_header(&mut self, at: u64, size: u64, part: Part) {
        let padded = size.div_ceil(BLOCK).saturating_mul(BLOCK);
        if padded == 0 {
            self.part = Part::Header;
            self.part_end = at.saturating_add(BLOCK);
        } else {
            self.part = part;
            self.part_end = at.saturating_add(padded);
        }
    }

    /// A header block is complete (it ended at `at`).
    fn on_header(&mut self, at: u64) -> Result<(), String> {
        let bytes = std::mem::take(&mut self.block);
        if bytes.iter().all(|b| *b == 0) {
            // The end of the archive for the tar crate: what follows is not looked at.
            self.ended = true;
            return Ok(());
        }
        let h = tar::Header::from_byte_slice(&bytes);
        let Ok(size) = h.entry_size() else {
            // The tar crate refuses this header itself.
            self.data_then_header(at, 0, Part::Data);
            self.block = bytes;
            self.block.clear();
            return Ok(());
        };
        let t = h.entry_type();
        let recognised = h.as_gnu().is_some() || h.as_ustar().is_some();
        let extension = recognised
            && (t.is_gnu_longname() || t.is_gnu_longlink() || t.is_pax_local_extensions());
        let header_start = at - BLOCK;
        if extension {
            if size > self.max_extension {
                let what = if t.is_gnu_longname() {
                    "GNU long name"
                } else if t.is_gnu_longlink() {
                    "GNU long link name"
                } else {
                    "PAX extended header"
                };
                return Err(format!(
                    "tar entry at byte {header_start}: {what} of {size} bytes is over the {} byte limit",
                    self.max_extension
                ));
            }
            if t.is_pax_local_extensions() {
                self.pax.clear();
                self.pax_declared = size;
                self.data_then_header(at, size, Part::PaxData);
                if size == 0 {
                    self.pending_pax_size = None;
                }
            } else {
                self.data_then_header(at, size, Part::Data);
            }
        } else {
            let is_meta = t.is_gnu_longname()
                || t.is_gnu_longlink()
                || t.is_pax_local_extensions()
                || t.is_pax_global_extensions();
            let pax_size = self.pending_pax_size.take();
            let size = match pax_size {
                Some(s) if !is_meta => s,
                _ => size,
            };
            let sparse_ext =
                t.is_gnu_sparse() && h.as_gnu().is_some_and(tar::GnuHeader::is_extended);
            if sparse_ext {
                self.sparse_data = size;
                self.part = Part::SparseExt;
                self.part_end = at + BLOCK;
            } else {
                self.data_then_header(at, size, Part::Data);
            }
        }
        self.block = bytes;
        self.block.clear();
        Ok(())
    }

    /// The bytes `chunk` were read at absolute position `start`: follow them.
    fn observe(&mut self, start: u64, chunk: &[u8]) -> Result<(), String> {
        let mut at = start;
        let mut rest = chunk;
        while !rest.is_empty() && !self.ended {
            let take = usize::try_from(self.part_end - at)
                .unwrap_or(usize::MAX)
                .min(rest.len());
            let (now, later) = rest.split_at(take);
            match self.part {
                Part::Header | Part::SparseExt => self.block.extend_from_slice(now),
                Part::PaxData => {
                    let want = usize::try_from(self.pax_declared)
                        .unwrap_or(usize::MAX)
                        .saturating_sub(self.pax.len());
                    self.pax.extend_from_slice(&now[..now.len().min(want)]);
                }
                Part::Data => {}
            }
            at += take as u64;
            rest = later;
            if at == self.part_end {
                match self.part {
                    Part::Header => self.on_header(at)?,
                    Part::SparseExt => {
                        let more = self.block.get(504).is_some_and(|b| *b != 0);
                        self.block.clear();
                        if more {
                            self.part_end = at + BLOCK;
                        } else {
                            self.data_then_header(at, self.sparse_data, Part::Data);
                        }
                    }
                    Part::PaxData => {
                        self.pending_pax_size = pax_size(&self.pax);
                        self.pax = Vec::new();
                        self.part = Part::Header;
                        self.part_end = at + BLOCK;
                    }
                    Part::Data => {
                        self.part = Part::Header;
                        self.part_end = at + BLOCK;
                    }
                }
            }
        }
        Ok(())
    }
}

/// The `size` record of PAX extension data, as the `tar` crate reads it (the first one that parses).
fn pax_size(data: &[u8]) -> Option<u64> {
    for ext in tar::PaxExtensions::new(data) {
        let Ok(ext) = ext else { return None };
        if ext.key() == Ok("size") {
            return ext.value().ok().and_then(|v| v.parse().ok());
        }
    }
    None
}

impl<R: Read> Read for TarGuard<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some(m) = &self.refused {
            return Err(io::Error::new(io::ErrorKind::InvalidData, m.clone()));
        }
        let n = self.inner.read(buf)?;
        let start = self.pos;
        self.pos += n as u64;
        if let Err(m) = self.observe(start, &buf[..n]) {
            return Err(self.refuse(m));
        }
        Ok(n)
    }
}

impl<R: Seek> Seek for TarGuard<R> {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let p = self.inner.seek(to)?;
        if self.ended || p == self.pos {
            self.pos = p;
            return Ok(p);
        }
        // The tar crate only seeks forward over data it does not read, to the next header: data needs no
        // looking at. A seek anywhere else would lose track of the headers: refuse it rather than guess.
        let in_data = matches!(self.part, Part::Data | Part::PaxData);
        if p < self.pos || !in_data || p > self.part_end {
            return Err(self.refuse(format!(
                "tar stream: unexpected seek from byte {} to byte {p}",
                self.pos
            )));
        }
        if self.part == Part::PaxData {
            // PAX data skipped unread cannot be used by the tar crate either.
            self.pax_declared = 0;
        }
        if p == self.part_end {
            if self.part == Part::PaxData {
                self.pending_pax_size = None;
                self.pax = Vec::new();
            }
            self.part = Part::Header;
            self.part_end = p + BLOCK;
        }
        self.pos = p;
        Ok(p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn archive(entries: &[(&str, usize)]) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        for (name, size) in entries {
            let mut h = tar::Header::new_gnu();
            h.set_size(*size as u64);
            h.set_mode(0o644);
            h.set_entry_type(tar::EntryType::Regular);
            b.append_data(&mut h, name, &vec![b'x'; *size][..])
                .expect("in-memory tar");
        }
        b.into_inner().expect("in-memory tar")
    }

    fn names(data: &[u8], cap: u64) -> io::Result<Vec<String>> {
        let mut ar = tar::Archive::new(TarGuard::new(data, cap));
        let mut out = Vec::new();
        for e in ar.entries()? {
            let mut e = e?;
            out.push(e.path()?.to_string_lossy().into_owned());
            io::copy(&mut e, &mut io::sink())?;
        }
        Ok(out)
    }

    #[test]
    fn passes_ordinary_archives() {
        let long = "d/".repeat(200) + "file";
        let data = archive(&[("a", 0), ("b", 700), (&long, 3), ("c", 512)]);
        let got = names(&data, 1024).expect("ordinary archive");
        assert_eq!(got, vec!["a".to_owned(), "b".into(), long, "c".into()]);
    }

    #[test]
    fn refuses_a_long_name_over_the_cap() {
        let long = "d/".repeat(3000) + "file";
        let data = archive(&[("a", 10), (&long, 3)]);
        let err = names(&data, 1024).expect_err("long name over the cap");
        assert!(
            err.to_string().contains("GNU long name of 6005 bytes"),
            "{err}"
        );
        assert_eq!(names(&data, 8192).expect("under the cap").len(), 2);
    }

    #[test]
    fn follows_pax_size_records() {
        // A PAX header whose `size` record overrides the member's header size.
        let mut data = Vec::new();
        let record = b"15 size=000700\n";
        let mut pax = tar::Header::new_ustar();
        pax.set_entry_type(tar::EntryType::XHeader);
        pax.set_size(record.len() as u64);
        pax.set_path("pax").expect("short path");
        pax.set_cksum();
        data.extend_from_slice(pax.as_bytes());
        data.extend_from_slice(record);
        data.resize(1024, 0);
        let mut h = tar::Header::new_ustar();
        h.set_entry_type(tar::EntryType::Regular);
        h.set_size(0);
        h.set_path("big").expect("short path");
        h.set_cksum();
        data.extend_from_slice(h.as_bytes());
        data.extend(std::iter::repeat_n(b'y', 1024));
        data.extend_from_slice(&archive(&[("after", 1)]));
        let got = names(&data, 1024).expect("pax archive");
        assert_eq!(got, vec!["big".to_owned(), "after".into()]);
        // Byte-at-a-time reads follow the same structure.
        let mut ar = tar::Archive::new(TarGuard::new(OneByte(&data), 1024));
        assert_eq!(ar.entries().expect("entries").count(), 2);
    }

    struct OneByte<'a>(&'a [u8]);
    impl Read for OneByte<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.0.is_empty() || buf.is_empty() {
                return Ok(0);
            }
            buf[0] = self.0[0];
            self.0 = &self.0[1..];
            Ok(1)
        }
    }
}
