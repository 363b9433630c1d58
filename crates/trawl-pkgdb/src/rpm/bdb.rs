//! rpm's Berkeley DB backend, `Packages`: a BDB *hash* database (RHEL/CentOS ≤ 8, Amazon Linux 2, SLES < 15
//! SP3...). Read in-house from the on-disk format; no libdb.
//!
//! Layout: fixed-size pages (the size is in the metadata page, page 0). Byte order is the creating host's: the
//! hash magic `0x061561` at offset 12 is read both ways to tell. Metadata page: `pagesize` at 20, `encrypt_alg`
//! at 24, page `type` at 25 (8 = hash metadata), `metaflags` at 26, `last_pgno` at 32.
//!
//! Every other page starts with a 26-byte header: `pgno` at 8, `prev_pgno` at 12, `next_pgno` at 16, `entries`
//! (u16) at 20, `hf_offset` (u16) at 22, `type` at 25; then `entries` u16 offsets of the page's items. On hash
//! pages (type 2 or 13) items alternate key, value. An item starts with its kind: 1 = inline bytes (up to the
//! previous item's offset, or the page end for item 0), 3 = off-page `{ kind, pad[3], pgno: u32, tlen: u32 }`
//! whose bytes continue on a chain of overflow pages (type 7; `hf_offset` bytes of data after the header each,
//! linked by `next_pgno`). rpm stores key = header instance (u32), value = header blob; instance 0 is rpm's own
//! bookkeeping record and is skipped.

use super::{OnBlob, u16_at, u32_at};
use crate::{Error, Format};

const HASH_MAGIC: u32 = 0x0006_1561;
const PAGE_HEADER: usize = 26;
const P_HASH_UNSORTED: u8 = 2;
const P_OVERFLOW: u8 = 7;
const P_HASHMETA: u8 = 8;
const P_HASH: u8 = 13;
const H_KEYDATA: u8 = 1;
const H_OFFPAGE: u8 = 3;

fn corrupt(offset: usize, message: impl Into<String>) -> Error {
    Error::Corrupt {
        format: Format::RpmBdb,
        offset: offset as u64,
        message: message.into(),
    }
}

/// Whether the bytes start with a Berkeley DB hash metadata page (either byte order).
pub fn is_hash_db(content: &[u8]) -> bool {
    u32_at(content, 12, true) == Some(HASH_MAGIC) || u32_at(content, 12, false) == Some(HASH_MAGIC)
}

struct Db<'a> {
    content: &'a [u8],
    page_size: usize,
    pages: usize,
    le: bool,
}

impl<'a> Db<'a> {
    fn page(&self, pgno: usize) -> Option<&'a [u8]> {
        let start = pgno.checked_mul(self.page_size)?;
        self.content.get(start..start.checked_add(self.page_size)?)
    }

    /// Follows an overflow chain from `pgno`, collecting `tlen` bytes.
    fn overflow(&self, mut pgno: usize, tlen: usize) -> Result<Vec<u8>, String> {
        if tlen > self.content.len() {
            return Err(format!(
                "off-page item of {tlen} bytes is larger than the file"
            ));
        }
        let mut out = Vec::with_capacity(tlen);
        let mut hops = 0;
        while out.len() < tlen {
            hops += 1;
            if pgno == 0 || hops > self.pages {
                return Err(format!(
                    "overflow chain ends or loops after {} of {tlen} bytes",
                    out.len()
                ));
            }
            let page = self
                .page(pgno)
                .ok_or_else(|| format!("overflow page {pgno} is beyond the end of the file"))?;
            if page[25] != P_OVERFLOW {
                return Err(format!(
                    "page {pgno} in an overflow chain has type {}, expected {P_OVERFLOW}",
                    page[25]
                ));
            }
            let len = usize::from(u16_at(page, 22, self.le).unwrap_or(0));
            let data = page.get(PAGE_HEADER..PAGE_HEADER + len).ok_or_else(|| {
                format!("overflow page {pgno} claims {len} bytes, more than the page holds")
            })?;
            out.extend_from_slice(&data[..len.min(tlen - out.len())]);
            pgno = u32_at(page, 16, self.le).unwrap_or(0) as usize;
        }
        Ok(out)
    }
}

/// Calls `on_blob` with every header blob; returns warnings for items that could not be read.
///
/// # Errors
/// [`Error::NotThisFormat`] when the metadata page is not a hash database's; [`Error::Corrupt`] when its page
/// size is invalid or the file is encrypted or checksummed.
pub fn for_each_blob(content: &[u8], on_blob: &mut OnBlob<'_>) -> Result<Vec<String>, Error> {
    let le = if u32_at(content, 12, true) == Some(HASH_MAGIC) {
        true
    } else if u32_at(content, 12, false) == Some(HASH_MAGIC) {
        false
    } else {
        return Err(Error::NotThisFormat {
            format: Format::RpmBdb,
            message: "no Berkeley DB hash magic".into(),
        });
    };
    let page_size =
        u32_at(content, 20, le).ok_or_else(|| corrupt(20, "truncated metadata page"))? as usize;
    if !(512..=65536).contains(&page_size) || !page_size.is_power_of_two() {
        return Err(corrupt(20, format!("invalid page size {page_size}")));
    }
    if content.len() < page_size {
        return Err(corrupt(
            content.len(),
            format!("truncated: file shorter than one {page_size}-byte page"),
        ));
    }
    if content[25] != P_HASHMETA {
        return Err(corrupt(
            25,
            format!(
                "metadata page type {}, expected {P_HASHMETA} (hash)",
                content[25]
            ),
        ));
    }
    if content[24] != 0 {
        return Err(corrupt(24, "encrypted Berkeley DB is not supported"));
    }
    if content[26] & 1 != 0 {
        return Err(corrupt(
            26,
            "checksummed Berkeley DB pages are not supported",
        ));
    }
    let mut warnings = Vec::new();
    let pages = content.len() / page_size;
    if !content.len().is_multiple_of(page_size) {
        warnings.push(format!(
            "{}: file size {} is not a multiple of the page size {page_size}; the partial last page is ignored",
            Format::RpmBdb,
            content.len()
        ));
    }
    let db = Db {
        content,
        page_size,
        pages,
        le,
    };
    for pgno in 1..pages {
        let Some(page) = db.page(pgno) else { break };
        if page[25] != P_HASH && page[25] != P_HASH_UNSORTED {
            continue;
        }
        let entries = usize::from(u16_at(page, 20, le).unwrap_or(0));
        let max_entries = (page_size - PAGE_HEADER) / 2;
        if entries > max_entries {
            warnings.push(format!(
                "{}: page {pgno}: {entries} entries cannot fit, page skipped",
                Format::RpmBdb
            ));
            continue;
        }
        let offset_of = |i: usize| usize::from(u16_at(page, PAGE_HEADER + 2 * i, le).unwrap_or(0));
        // The bytes of inline item i run from its offset to the previous item's offset (or the page end).
        let inline = |i: usize| -> Option<&[u8]> {
            let start = offset_of(i);
            let end = if i == 0 { page_size } else { offset_of(i - 1) };
            page.get(start + 1..end)
                .filter(|_| start >= PAGE_HEADER + 2 * entries && start < end)
        };
        for i in (1..entries).step_by(2) {
            let label = format!("{}: page {pgno}, item {i}", Format::RpmBdb);
            let key = if page.get(offset_of(i - 1)) == Some(&H_KEYDATA) {
                inline(i - 1)
            } else {
                None
            };
            if key.is_some_and(|k| k.len() == 4 && k == [0, 0, 0, 0]) {
                continue;
            }
            let at = offset_of(i);
            match page.get(at).copied() {
                Some(H_OFFPAGE) => {
                    let pg = u32_at(page, at + 4, le).unwrap_or(0) as usize;
                    let tlen = u32_at(page, at + 8, le).unwrap_or(0) as usize;
                    match db.overflow(pg, tlen) {
                        Ok(blob) => on_blob(label, &blob),
                        Err(e) => warnings.push(format!(
                            "{label} (byte offset {}): {e}, skipped",
                            pgno * page_size + at
                        )),
                    }
                }
                Some(H_KEYDATA) => match inline(i) {
                    Some(blob) => on_blob(label, blob),
                    None => warnings.push(format!(
                        "{label}: inline item out of the page's bounds, skipped"
                    )),
                },
                other => {
                    warnings.push(format!("{label}: unsupported item kind {other:?}, skipped"))
                }
            }
        }
    }
    Ok(warnings)
}
