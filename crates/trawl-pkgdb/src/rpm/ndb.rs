//! rpm's NDB backend, `Packages.db` (SUSE's default since SLE 15 SP3).
//!
//! Layout (little-endian): a slot area of `slotnpages` pages of 4096 bytes. Its first 16 bytes are the file
//! header `{ magic "RpmP", version, generation, slotnpages }` (then `nextpkgidx` and padding up to 32 bytes);
//! after it come 16-byte slots `{ magic "Slot", pkgidx, blkoff, blkcnt }` (`pkgidx == 0`: free slot). A slot's
//! blob starts at `blkoff * 16` with a 16-byte blob header `{ magic "BlbS", pkgidx, generation, bloblen }`,
//! followed by `bloblen` bytes of rpm header; `blkcnt * 16` bytes are reserved for it (header, blob, trailer).

use super::{OnBlob, u32_at};
use crate::{Error, Format};

const PAGE: usize = 4096;
const BLK: usize = 16;
const SLOT: usize = 16;
const HEADER_SLOTS: usize = 2;

fn corrupt(offset: usize, message: impl Into<String>) -> Error {
    Error::Corrupt {
        format: Format::RpmNdb,
        offset: offset as u64,
        message: message.into(),
    }
}

/// Calls `on_blob` with every package's header blob; returns warnings for slots whose blob is broken.
///
/// # Errors
/// [`Error::NotThisFormat`] without the `RpmP` magic; [`Error::Corrupt`] when the header or slot area is
/// truncated or inconsistent.
pub fn for_each_blob(content: &[u8], on_blob: &mut OnBlob<'_>) -> Result<Vec<String>, Error> {
    if !content.starts_with(b"RpmP") {
        return Err(Error::NotThisFormat {
            format: Format::RpmNdb,
            message: "no `RpmP` magic".into(),
        });
    }
    let version = u32_at(content, 4, true).ok_or_else(|| corrupt(4, "truncated file header"))?;
    if version != 0 {
        return Err(corrupt(4, format!("unsupported NDB version {version}")));
    }
    let slotnpages =
        u32_at(content, 12, true).ok_or_else(|| corrupt(12, "truncated file header"))? as usize;
    if slotnpages == 0 {
        return Err(corrupt(12, "zero slot pages"));
    }
    let slot_area = slotnpages
        .checked_mul(PAGE)
        .filter(|n| *n <= content.len())
        .ok_or_else(|| {
            corrupt(
                12,
                format!(
                    "{slotnpages} slot pages do not fit in a {}-byte file",
                    content.len()
                ),
            )
        })?;
    let mut warnings = Vec::new();
    for i in HEADER_SLOTS..slot_area / SLOT {
        let o = i * SLOT;
        let slot = &content[o..o + SLOT];
        if &slot[..4] != b"Slot" {
            warnings.push(format!(
                "{}: slot {i} at byte offset {o}: bad slot magic, slot skipped",
                Format::RpmNdb
            ));
            continue;
        }
        let pkgidx = u32_at(slot, 4, true).unwrap_or(0);
        if pkgidx == 0 {
            continue;
        }
        let blkoff = u32_at(slot, 8, true).unwrap_or(0) as usize;
        let blkcnt = u32_at(slot, 12, true).unwrap_or(0) as usize;
        let start = blkoff * BLK;
        let label = format!(
            "{}: package index {pkgidx} (slot {i}, blob at byte offset {start})",
            Format::RpmNdb
        );
        let reserved_end = start.checked_add(blkcnt * BLK);
        let Some(head) = content
            .get(start..start + 16)
            .filter(|_| reserved_end.is_some_and(|e| e <= content.len()))
        else {
            warnings.push(format!(
                "{label}: blob lies beyond the end of the file, skipped"
            ));
            continue;
        };
        if &head[..4] != b"BlbS" || u32_at(head, 4, true) != Some(pkgidx) {
            warnings.push(format!("{label}: bad blob header, skipped"));
            continue;
        }
        let bloblen = u32_at(head, 12, true).unwrap_or(0) as usize;
        let Some(blob) = content
            .get(start + 16..start + 16 + bloblen)
            .filter(|_| 16 + bloblen <= blkcnt * BLK)
        else {
            warnings.push(format!(
                "{label}: blob length {bloblen} exceeds its {blkcnt} blocks, skipped"
            ));
            continue;
        };
        on_blob(label, blob);
    }
    Ok(warnings)
}
