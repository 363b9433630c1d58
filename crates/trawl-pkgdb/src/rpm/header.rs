//! rpm header blobs, as stored in an rpmdb (no lead, no 8-byte header magic).
//!
//! Layout (all integers big-endian): `il: u32` (number of index entries), `dl: u32` (data length), then `il`
//! index entries of 16 bytes `{ tag: u32, type: u32, offset: u32, count: u32 }`, then `dl` bytes of data.
//! Each entry's value lives at `offset` in the data: STRING is NUL-terminated, STRING_ARRAY and I18NSTRING are
//! `count` NUL-terminated strings, INT32 is `count` 4-byte integers, and so on. The first entry is usually a
//! region tag (HEADERIMMUTABLE, 63) pointing at a trailer; reading values does not need it.

use crate::{Error, Format};

/// Tag numbers used here.
pub mod tag {
    /// Package name.
    pub const NAME: u32 = 1000;
    /// Upstream version.
    pub const VERSION: u32 = 1001;
    /// Release.
    pub const RELEASE: u32 = 1002;
    /// Epoch (INT32).
    pub const EPOCH: u32 = 1003;
    /// Vendor.
    pub const VENDOR: u32 = 1011;
    /// Licence.
    pub const LICENSE: u32 = 1014;
    /// Packager.
    pub const PACKAGER: u32 = 1015;
    /// Architecture.
    pub const ARCH: u32 = 1022;
    /// Full file paths (old headers, before compressed file names).
    pub const OLDFILENAMES: u32 = 1027;
    /// Source rpm file name.
    pub const SOURCERPM: u32 = 1044;
    /// Per-file index into DIRNAMES (INT32 array).
    pub const DIRINDEXES: u32 = 1116;
    /// Per-file base names.
    pub const BASENAMES: u32 = 1117;
    /// Directory names (with trailing `/`).
    pub const DIRNAMES: u32 = 1118;
    /// Modularity label (`name:stream:version:context`).
    pub const MODULARITYLABEL: u32 = 5096;
}

/// Value types of index entries.
mod ty {
    pub(super) const CHAR: u32 = 1;
    pub(super) const INT8: u32 = 2;
    pub(super) const INT16: u32 = 3;
    pub(super) const INT32: u32 = 4;
    pub(super) const STRING: u32 = 6;
    pub(super) const STRING_ARRAY: u32 = 8;
    pub(super) const I18NSTRING: u32 = 9;
}

/// rpm's own sanity limits on a header: at most 0xffff index entries, at most 256 MiB of data.
const MAX_INDEX: u32 = 0xffff;
const MAX_DATA: u32 = 256 << 20;

/// One index entry.
#[derive(Debug, Clone, Copy)]
struct Entry {
    tag: u32,
    ty: u32,
    offset: u32,
    count: u32,
}

/// A parsed header: index entries and the data store they point into (borrowed from the blob).
#[derive(Debug, Clone)]
pub struct Header<'a> {
    entries: Vec<Entry>,
    data: &'a [u8],
    /// Offset of the data store in the blob (for error offsets).
    data_start: usize,
}

fn corrupt(offset: usize, message: impl Into<String>) -> Error {
    Error::Corrupt {
        format: Format::RpmHeader,
        offset: offset as u64,
        message: message.into(),
    }
}

impl<'a> Header<'a> {
    /// Parses the index of a header blob. Values are checked when read.
    ///
    /// # Errors
    /// [`Error::Corrupt`] when the blob is shorter than its index and data say, or the counts exceed rpm's
    /// limits.
    pub fn parse(blob: &'a [u8]) -> Result<Self, Error> {
        let il = super::u32_at(blob, 0, false)
            .ok_or_else(|| corrupt(0, "truncated: no index length"))?;
        let dl =
            super::u32_at(blob, 4, false).ok_or_else(|| corrupt(4, "truncated: no data length"))?;
        if il == 0 || il > MAX_INDEX {
            return Err(corrupt(
                0,
                format!("index entry count {il} out of range 1..={MAX_INDEX}"),
            ));
        }
        if dl > MAX_DATA {
            return Err(corrupt(
                4,
                format!("data length {dl} above rpm's limit {MAX_DATA}"),
            ));
        }
        let data_start = 8 + il as usize * 16;
        let end = data_start + dl as usize;
        if blob.len() < end {
            return Err(corrupt(
                blob.len(),
                format!(
                    "truncated: {il} entries and {dl} data bytes need {end} bytes, blob has {}",
                    blob.len()
                ),
            ));
        }
        let mut entries = Vec::with_capacity(il as usize);
        for i in 0..il as usize {
            let o = 8 + i * 16;
            let rd = |k: usize| super::u32_at(blob, o + k, false).unwrap_or(0);
            let e = Entry {
                tag: rd(0),
                ty: rd(4),
                offset: rd(8),
                count: rd(12),
            };
            if e.offset >= dl && !(e.offset == dl && e.count == 0) {
                return Err(corrupt(
                    o + 8,
                    format!(
                        "tag {} points at {} beyond the data ({dl} bytes)",
                        e.tag, e.offset
                    ),
                ));
            }
            entries.push(e);
        }
        Ok(Header {
            entries,
            data: &blob[data_start..end],
            data_start,
        })
    }

    /// The entries' tags, in index order.
    pub fn tags(&self) -> impl Iterator<Item = u32> + '_ {
        self.entries.iter().map(|e| e.tag)
    }

    fn entry(&self, tag: u32) -> Option<&Entry> {
        // A later ("dribble") entry overrides the region's.
        self.entries.iter().rev().find(|e| e.tag == tag)
    }

    fn strings_at(&self, e: &Entry, n: usize) -> Result<Vec<String>, Error> {
        let mut out = Vec::with_capacity(n.min(4096));
        let mut pos = e.offset as usize;
        for _ in 0..n {
            let rest = self.data.get(pos..).ok_or_else(|| {
                corrupt(
                    self.data_start + pos,
                    format!("tag {}: string array runs past the data", e.tag),
                )
            })?;
            let len = rest.iter().position(|b| *b == 0).ok_or_else(|| {
                corrupt(
                    self.data_start + pos,
                    format!("tag {}: string without NUL terminator", e.tag),
                )
            })?;
            out.push(String::from_utf8_lossy(&rest[..len]).into_owned());
            pos += len + 1;
        }
        Ok(out)
    }

    /// A STRING or I18NSTRING value (the first translation), `None` when the tag is absent.
    ///
    /// # Errors
    /// [`Error::Corrupt`] when the tag has another type or its value runs past the data.
    pub fn string(&self, tag: u32) -> Result<Option<String>, Error> {
        let Some(e) = self.entry(tag) else {
            return Ok(None);
        };
        match e.ty {
            ty::STRING | ty::I18NSTRING | ty::STRING_ARRAY => {
                Ok(self.strings_at(e, 1)?.into_iter().next())
            }
            t => Err(corrupt(
                self.data_start + e.offset as usize,
                format!("tag {tag}: type {t}, expected a string"),
            )),
        }
    }

    /// A STRING_ARRAY value, `None` when the tag is absent.
    ///
    /// # Errors
    /// [`Error::Corrupt`] when the tag has another type or its value runs past the data.
    pub fn string_array(&self, tag: u32) -> Result<Option<Vec<String>>, Error> {
        let Some(e) = self.entry(tag) else {
            return Ok(None);
        };
        match e.ty {
            ty::STRING_ARRAY | ty::I18NSTRING => {
                // Each string takes at least one byte: a count above the data size is corrupt, not a huge alloc.
                if e.count as usize > self.data.len() {
                    return Err(corrupt(
                        self.data_start,
                        format!("tag {tag}: count {} above data size", e.count),
                    ));
                }
                self.strings_at(e, e.count as usize).map(Some)
            }
            ty::STRING => Ok(Some(self.strings_at(e, 1)?)),
            t => Err(corrupt(
                self.data_start + e.offset as usize,
                format!("tag {tag}: type {t}, expected a string array"),
            )),
        }
    }

    /// An INT32 (or narrower integer) array value, `None` when the tag is absent.
    ///
    /// # Errors
    /// [`Error::Corrupt`] when the tag has another type or its value runs past the data.
    pub fn int32_array(&self, tag: u32) -> Result<Option<Vec<u32>>, Error> {
        let Some(e) = self.entry(tag) else {
            return Ok(None);
        };
        let width = match e.ty {
            ty::INT32 => 4,
            ty::INT16 => 2,
            ty::INT8 | ty::CHAR => 1,
            t => {
                return Err(corrupt(
                    self.data_start + e.offset as usize,
                    format!("tag {tag}: type {t}, expected an integer"),
                ));
            }
        };
        let start = e.offset as usize;
        let len = (e.count as usize)
            .checked_mul(width)
            .filter(|l| {
                start
                    .checked_add(*l)
                    .is_some_and(|end| end <= self.data.len())
            })
            .ok_or_else(|| {
                corrupt(
                    self.data_start + start,
                    format!("tag {tag}: {} integers run past the data", e.count),
                )
            })?;
        let bytes = &self.data[start..start + len];
        Ok(Some(
            bytes
                .chunks_exact(width)
                .map(|c| match width {
                    4 => u32::from_be_bytes([c[0], c[1], c[2], c[3]]),
                    2 => u32::from(u16::from_be_bytes([c[0], c[1]])),
                    _ => u32::from(c[0]),
                })
                .collect(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Builds a header blob from (tag, type, value bytes, count).
    fn build(entries: &[(u32, u32, &[u8], u32)]) -> Vec<u8> {
        let mut index = Vec::new();
        let mut data = Vec::new();
        for (t, ty, v, c) in entries {
            index.extend(t.to_be_bytes());
            index.extend(ty.to_be_bytes());
            index.extend((data.len() as u32).to_be_bytes());
            index.extend(c.to_be_bytes());
            data.extend_from_slice(v);
        }
        let mut out = Vec::new();
        out.extend((entries.len() as u32).to_be_bytes());
        out.extend((data.len() as u32).to_be_bytes());
        out.extend(index);
        out.extend(data);
        out
    }

    #[test]
    fn reads_values() {
        let blob = build(&[
            (tag::NAME, ty::STRING, b"bash\0", 1),
            (tag::EPOCH, ty::INT32, &[0, 0, 0, 2], 1),
            (tag::BASENAMES, ty::STRING_ARRAY, b"a\0b\0", 2),
        ]);
        let h = Header::parse(&blob).expect("parses");
        assert_eq!(h.string(tag::NAME).expect("ok").as_deref(), Some("bash"));
        assert_eq!(h.int32_array(tag::EPOCH).expect("ok"), Some(vec![2]));
        assert_eq!(
            h.string_array(tag::BASENAMES).expect("ok"),
            Some(vec!["a".into(), "b".into()])
        );
        assert_eq!(h.string(tag::VENDOR).expect("ok"), None);
        assert!(
            h.int32_array(tag::NAME).is_err(),
            "type mismatch is an error"
        );
    }

    #[test]
    fn truncation_and_overruns() {
        let blob = build(&[(tag::NAME, ty::STRING, b"bash", 1)]);
        let h = Header::parse(&blob).expect("index ok");
        assert!(h.string(tag::NAME).is_err(), "missing NUL");
        assert!(Header::parse(&blob[..blob.len() - 1]).is_err());
        assert!(Header::parse(&[0, 0, 0, 1]).is_err());
        let big = build(&[(tag::BASENAMES, ty::STRING_ARRAY, b"a\0", 0x7fff_ffff)]);
        assert!(
            Header::parse(&big)
                .expect("index ok")
                .string_array(tag::BASENAMES)
                .is_err()
        );
        let ints = build(&[(tag::DIRINDEXES, ty::INT32, &[0, 0, 0, 1], 0x4000_0001)]);
        assert!(
            Header::parse(&ints)
                .expect("index ok")
                .int32_array(tag::DIRINDEXES)
                .is_err()
        );
    }
}
