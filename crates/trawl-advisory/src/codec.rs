//! The compact binary encoding of the DB's hot data: the affected records of one (namespace, package) key,
//! and the advisory entries of one block. Varint lengths, one byte per enum; decoding checks every length
//! and never panics on a corrupt blob.

use crate::model::{AffectedRange, EventKind, GoImport, RangeEvent, RangeKind, Versions};
use trawl_types::{Severity, Status};

/// One affected record as stored in a `package` row (the key's namespace and name are the row's).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct StoredRecord {
    pub(crate) advisory_id: String,
    pub(crate) aliases: Vec<String>,
    pub(crate) source: u32,
    pub(crate) variant: Option<String>,
    pub(crate) purl: Option<String>,
    /// `None`: the ranges are the ones the status and fixed version imply (vendor feeds).
    pub(crate) ranges: Option<Vec<AffectedRange>>,
    pub(crate) versions: Versions,
    pub(crate) status: Option<Status>,
    pub(crate) fixed: Option<String>,
    pub(crate) urgency: Option<String>,
    pub(crate) severity: Option<Severity>,
    pub(crate) vendor_status: Option<String>,
    pub(crate) note: Option<String>,
    /// Go records: `ecosystem_specific.imports`.
    pub(crate) go_imports: Vec<GoImport>,
}

/// Appends LEB128 `n`.
pub(crate) fn put_varint(out: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

pub(crate) fn put_str(out: &mut Vec<u8>, s: &str) {
    put_varint(out, s.len() as u64);
    out.extend_from_slice(s.as_bytes());
}

fn put_opt_str(out: &mut Vec<u8>, s: Option<&str>) {
    match s {
        None => put_varint(out, 0),
        Some(s) => {
            put_varint(out, s.len() as u64 + 1);
            out.extend_from_slice(s.as_bytes());
        }
    }
}

/// Tag of an ID stored as text.
const ID_TEXT: u8 = 0;
/// Tag of a `CVE-YYYY-NNNN` ID stored as numbers (year, number, digit count): 6-7 bytes instead of 14-15,
/// and most IDs in an OS feed are CVEs.
const ID_CVE: u8 = 1;

/// `CVE-YYYY-N...` as (year, number, digits), when the ID is exactly that form.
fn cve_parts(id: &str) -> Option<(u64, u64, u8)> {
    let rest = id.strip_prefix("CVE-")?;
    let (year, number) = rest.split_once('-')?;
    let digits = |t: &str| !t.is_empty() && t.len() <= 18 && t.bytes().all(|b| b.is_ascii_digit());
    if year.len() != 4 || !digits(year) || !digits(number) {
        return None;
    }
    Some((year.parse().ok()?, number.parse().ok()?, number.len() as u8))
}

/// Appends an advisory ID.
fn put_id(out: &mut Vec<u8>, id: &str) {
    match cve_parts(id) {
        Some((year, number, width)) => {
            out.push(ID_CVE);
            put_varint(out, year);
            put_varint(out, number);
            out.push(width);
        }
        None => {
            out.push(ID_TEXT);
            put_str(out, id);
        }
    }
}

fn put_ids(out: &mut Vec<u8>, v: &[String]) {
    put_varint(out, v.len() as u64);
    for s in v {
        put_id(out, s);
    }
}

/// Appends `n` in decimal, zero-padded to `width` digits.
fn push_padded(s: &mut String, n: u64, width: usize) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    let mut n = n;
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for _ in (digits.len() - i)..width {
        s.push('0');
    }
    for &d in &digits[i..] {
        s.push(char::from(d));
    }
}

/// A reader over a blob; every read checks bounds.
pub(crate) struct Cursor<'a> {
    buf: &'a [u8],
    pos: usize,
}

type R<T> = Result<T, String>;

impl<'a> Cursor<'a> {
    pub(crate) fn new(buf: &'a [u8]) -> Self {
        Cursor { buf, pos: 0 }
    }

    pub(crate) fn at_end(&self) -> bool {
        self.pos >= self.buf.len()
    }

    fn byte(&mut self) -> R<u8> {
        let b = *self.buf.get(self.pos).ok_or("truncated record")?;
        self.pos += 1;
        Ok(b)
    }

    pub(crate) fn varint(&mut self) -> R<u64> {
        let mut n: u64 = 0;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            n |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(n);
            }
        }
        Err("varint too long".to_owned())
    }

    fn len(&mut self) -> R<usize> {
        let n = usize::try_from(self.varint()?).map_err(|_| "length too large")?;
        if n > self.buf.len() - self.pos.min(self.buf.len()) {
            return Err("length past the end of the record".to_owned());
        }
        Ok(n)
    }

    pub(crate) fn bytes(&mut self) -> R<&'a [u8]> {
        let n = self.len()?;
        let s = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    pub(crate) fn str(&mut self) -> R<&'a str> {
        std::str::from_utf8(self.bytes()?).map_err(|_| "string is not UTF-8".to_owned())
    }

    fn string(&mut self) -> R<String> {
        self.str().map(str::to_owned)
    }

    fn opt_string(&mut self) -> R<Option<String>> {
        let n = usize::try_from(self.varint()?).map_err(|_| "length too large")?;
        if n == 0 {
            return Ok(None);
        }
        let n = n - 1;
        if n > self.buf.len() - self.pos.min(self.buf.len()) {
            return Err("length past the end of the record".to_owned());
        }
        let s = std::str::from_utf8(&self.buf[self.pos..self.pos + n])
            .map_err(|_| "string is not UTF-8".to_owned())?;
        self.pos += n;
        Ok(Some(s.to_owned()))
    }

    /// A count of items each taking at least one byte (bounds the allocation by the blob's size).
    fn count(&mut self) -> R<usize> {
        let n = usize::try_from(self.varint()?).map_err(|_| "count too large")?;
        if n > self.buf.len() - self.pos.min(self.buf.len()) {
            return Err("count past the end of the record".to_owned());
        }
        Ok(n)
    }

    fn id(&mut self) -> R<String> {
        match self.byte()? {
            ID_TEXT => self.string(),
            ID_CVE => {
                let year = self.varint()?;
                let number = self.varint()?;
                let width = usize::from(self.byte()?);
                if year > 9999 || width > 20 {
                    return Err("bad CVE ID".to_owned());
                }
                let mut s = String::with_capacity(9 + width.max(4));
                s.push_str("CVE-");
                push_padded(&mut s, year, 4);
                s.push('-');
                push_padded(&mut s, number, width);
                Ok(s)
            }
            t => Err(format!("unknown ID tag {t}")),
        }
    }

    fn strings(&mut self) -> R<Vec<String>> {
        let n = self.count()?;
        let mut v = Vec::with_capacity(n);
        for _ in 0..n {
            v.push(self.string()?);
        }
        Ok(v)
    }

    fn ids(&mut self) -> R<Vec<String>> {
        let n = self.count()?;
        let mut v = Vec::with_capacity(n);
        for _ in 0..n {
            v.push(self.id()?);
        }
        Ok(v)
    }
}

fn range_kind_code(k: RangeKind) -> u8 {
    match k {
        RangeKind::Ecosystem => 0,
        RangeKind::Semver => 1,
        RangeKind::Git => 2,
    }
}

fn range_kind(c: u8) -> R<RangeKind> {
    Ok(match c {
        0 => RangeKind::Ecosystem,
        1 => RangeKind::Semver,
        2 => RangeKind::Git,
        _ => return Err(format!("unknown range kind {c}")),
    })
}

fn event_kind_code(k: EventKind) -> u8 {
    match k {
        EventKind::Introduced => 0,
        EventKind::Fixed => 1,
        EventKind::LastAffected => 2,
        EventKind::Limit => 3,
    }
}

fn event_kind(c: u8) -> R<EventKind> {
    Ok(match c {
        0 => EventKind::Introduced,
        1 => EventKind::Fixed,
        2 => EventKind::LastAffected,
        3 => EventKind::Limit,
        _ => return Err(format!("unknown event kind {c}")),
    })
}

fn status_byte(s: Option<Status>) -> u8 {
    s.map_or(0, |s| crate::schema::status_code(s) as u8)
}

fn severity_byte(s: Option<Severity>) -> u8 {
    s.map_or(0, |s| crate::schema::severity_code(s) as u8 + 1)
}

const FLAG_IMPLIED: u8 = 1;
/// The vendor's status word and note follow the severity byte.
const FLAG_VENDOR: u8 = 2;
/// Go imports (path, symbols, goos, goarch) follow (after the vendor fields when present).
const FLAG_GO_IMPORTS: u8 = 4;

fn put_strs(out: &mut Vec<u8>, v: &[String]) {
    put_varint(out, v.len() as u64);
    for s in v {
        put_str(out, s);
    }
}

/// Appends one record.
pub(crate) fn put_record(out: &mut Vec<u8>, r: &StoredRecord) {
    let vendor = r.vendor_status.is_some() || r.note.is_some();
    out.push(
        if r.ranges.is_none() { FLAG_IMPLIED } else { 0 }
            | if vendor { FLAG_VENDOR } else { 0 }
            | if r.go_imports.is_empty() {
                0
            } else {
                FLAG_GO_IMPORTS
            },
    );
    put_id(out, &r.advisory_id);
    put_ids(out, &r.aliases);
    put_varint(out, u64::from(r.source));
    put_opt_str(out, r.variant.as_deref());
    put_opt_str(out, r.purl.as_deref());
    if let Some(ranges) = &r.ranges {
        put_varint(out, ranges.len() as u64);
        for range in ranges {
            out.push(range_kind_code(range.kind));
            put_opt_str(out, range.repo.as_deref());
            put_varint(out, range.events.len() as u64);
            for e in &range.events {
                out.push(event_kind_code(e.kind));
                put_str(out, &e.version);
            }
        }
    }
    put_varint(out, r.versions.len() as u64);
    for v in r.versions.iter() {
        put_str(out, v);
    }
    out.push(status_byte(r.status));
    put_opt_str(out, r.fixed.as_deref());
    put_opt_str(out, r.urgency.as_deref());
    out.push(severity_byte(r.severity));
    if vendor {
        put_opt_str(out, r.vendor_status.as_deref());
        put_opt_str(out, r.note.as_deref());
    }
    if !r.go_imports.is_empty() {
        put_varint(out, r.go_imports.len() as u64);
        for i in &r.go_imports {
            put_str(out, &i.path);
            put_strs(out, &i.symbols);
            put_strs(out, &i.goos);
            put_strs(out, &i.goarch);
        }
    }
}

/// Reads one record.
pub(crate) fn get_record(c: &mut Cursor<'_>) -> R<StoredRecord> {
    let flags = c.byte()?;
    let advisory_id = c.id()?;
    let aliases = c.ids()?;
    let source = u32::try_from(c.varint()?).map_err(|_| "bad source id")?;
    let variant = c.opt_string()?;
    let purl = c.opt_string()?;
    let ranges = if flags & FLAG_IMPLIED != 0 {
        None
    } else {
        let n = c.count()?;
        let mut ranges = Vec::with_capacity(n);
        for _ in 0..n {
            let kind = range_kind(c.byte()?)?;
            let repo = c.opt_string()?;
            let m = c.count()?;
            let mut events = Vec::with_capacity(m);
            for _ in 0..m {
                let kind = event_kind(c.byte()?)?;
                events.push(RangeEvent {
                    kind,
                    version: c.string()?,
                });
            }
            ranges.push(AffectedRange { kind, repo, events });
        }
        Some(ranges)
    };
    let n = c.count()?;
    let mut versions = Versions::default();
    if n > 0 {
        // One allocation for the whole list: each string is at least its length byte long, so the rest of
        // the blob bounds the total.
        let start = c.pos;
        let mut total = 0;
        for _ in 0..n {
            total += c.bytes()?.len() + 1;
        }
        c.pos = start;
        versions = Versions::with_capacity(total);
        for _ in 0..n {
            versions.push(c.str()?);
        }
    }
    let status = match c.byte()? {
        0 => None,
        s => Some(crate::schema::status_from_code(i64::from(s)).ok_or(format!("bad status {s}"))?),
    };
    let fixed = c.opt_string()?;
    let urgency = c.opt_string()?;
    let severity = match c.byte()? {
        0 => None,
        s => Some(
            crate::schema::severity_from_code(i64::from(s) - 1)
                .ok_or(format!("bad severity {s}"))?,
        ),
    };
    let (vendor_status, note) = if flags & FLAG_VENDOR != 0 {
        (c.opt_string()?, c.opt_string()?)
    } else {
        (None, None)
    };
    let mut go_imports = Vec::new();
    if flags & FLAG_GO_IMPORTS != 0 {
        let n = c.count()?;
        go_imports.reserve(n);
        for _ in 0..n {
            go_imports.push(GoImport {
                path: c.string()?,
                symbols: c.strings()?,
                goos: c.strings()?,
                goarch: c.strings()?,
            });
        }
    }
    Ok(StoredRecord {
        go_imports,
        vendor_status,
        note,
        advisory_id,
        aliases,
        source,
        variant,
        purl,
        ranges,
        versions,
        status,
        fixed,
        urgency,
        severity,
    })
}

/// Encodes the records of one key: a count, then the records.
pub(crate) fn encode_records(records: &[StoredRecord]) -> Vec<u8> {
    let mut out = Vec::new();
    put_varint(&mut out, records.len() as u64);
    for r in records {
        put_record(&mut out, r);
    }
    out
}

/// Decodes what [`encode_records`] wrote.
#[cfg(test)]
pub(crate) fn decode_records(buf: &[u8]) -> R<Vec<StoredRecord>> {
    decode_records_with(buf, |r| r)
}

/// Decodes what [`encode_records`] wrote, turning each record into a `T` as it is read.
pub(crate) fn decode_records_with<T>(
    buf: &[u8],
    mut f: impl FnMut(StoredRecord) -> T,
) -> R<Vec<T>> {
    let mut c = Cursor::new(buf);
    let n = c.count()?;
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        out.push(f(get_record(&mut c)?));
    }
    if !c.at_end() {
        return Err("trailing bytes after the records".to_owned());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<StoredRecord> {
        vec![
            StoredRecord {
                advisory_id: "CVE-2024-0001".into(),
                aliases: vec![
                    "DSA-1-1".into(),
                    "CVE-2021-44228".into(),
                    "CVE-2024-1".into(),
                    "CVE-2024-01234".into(),
                    "CVE-24-1".into(),
                    "CVE-2024-1x".into(),
                    "CVE-2024-".into(),
                    "CVE-2024-99999999999999999999".into(),
                ],
                source: 3,
                status: Some(Status::Fixed),
                fixed: Some("1.2-3".into()),
                urgency: Some("low".into()),
                severity: Some(Severity::Low),
                vendor_status: Some("no-dsa".into()),
                note: Some("Minor issue".into()),
                ..StoredRecord::default()
            },
            StoredRecord {
                advisory_id: "GO-2024-2".into(),
                source: 300,
                variant: Some("LTS".into()),
                purl: Some("pkg:golang/stdlib".into()),
                ranges: Some(vec![AffectedRange {
                    kind: RangeKind::Git,
                    repo: Some("https://x".into()),
                    events: vec![
                        RangeEvent {
                            kind: EventKind::Introduced,
                            version: "0".into(),
                        },
                        RangeEvent {
                            kind: EventKind::LastAffected,
                            version: "abc".into(),
                        },
                    ],
                }]),
                versions: ["1.0", ""].into_iter().collect(),
                severity: Some(Severity::Unknown),
                go_imports: vec![
                    GoImport {
                        path: "archive/zip".into(),
                        symbols: vec!["NewReader".into(), "Reader.Open".into()],
                        ..GoImport::default()
                    },
                    GoImport {
                        path: "net".into(),
                        symbols: Vec::new(),
                        goos: vec!["windows".into()],
                        goarch: vec!["amd64".into(), "arm64".into()],
                    },
                ],
                ..StoredRecord::default()
            },
        ]
    }

    #[test]
    fn records_round_trip() {
        let recs = sample();
        assert_eq!(
            decode_records(&encode_records(&recs)).expect("decodes"),
            recs
        );
        assert_eq!(
            decode_records(&encode_records(&[])).expect("decodes"),
            vec![]
        );
    }

    #[test]
    fn every_truncation_and_corruption_is_an_error_not_a_panic() {
        let buf = encode_records(&sample());
        for cut in 0..buf.len() {
            assert!(decode_records(&buf[..cut]).is_err(), "cut at {cut}");
        }
        for i in 0..buf.len() {
            for b in [0u8, 0x7f, 0x80, 0xff] {
                let mut bad = buf.clone();
                bad[i] = b;
                let _ = decode_records(&bad);
            }
        }
        let mut long = buf.clone();
        long.push(0);
        assert!(decode_records(&long).is_err());
    }
}
