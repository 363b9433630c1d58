//! OSV range evaluation (<https://ossf.github.io/osv-schema/#affectedranges-field>).
//!
//! - `ECOSYSTEM` ranges compare with the package's scheme; `SEMVER` ranges with SemVer 2.0 precedence (the
//!   lenient SemVer reader, so a Go `v` prefix is fine); `GIT` ranges need the repository and are skipped with a
//!   recorded reason.
//! - Events may come in any order: they are sorted by version (`introduced: "0"` first; at equal versions a
//!   window closes before the next one opens, so `fixed: X` + `introduced: X` leaves X affected), then walked:
//!   `introduced` (inclusive) opens the range, `fixed` (exclusive) and `last_affected` (inclusive) close it.
//!   `limit` caps the whole range: versions at or above a limit are outside (`limit: "*"` is no limit).
//! - Feeds often write a range as consecutive `introduced`/`fixed` pairs that overlap (`introduced 2.11, fixed
//!   2.11.7, introduced 0, fixed 2.11.6`); the sorted walk alone would drop part of such a union, so when the
//!   events alternate like that each written pair also counts as a window.
//! - A version is affected if any range contains it, or if it is in the `versions` list (compared with the
//!   scheme's equality, falling back to exact text for entries that do not parse).

use crate::{Scheme, Version, VersionError};
use std::cmp::Ordering;

/// The type of an OSV range.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RangeKind {
    /// Versions of the package's ecosystem.
    Ecosystem,
    /// SemVer 2.0 versions.
    Semver,
    /// Git commits (not evaluated).
    Git,
}

/// One OSV range event.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Event {
    /// First affected version (inclusive); `"0"` means "since the beginning".
    Introduced(String),
    /// First fixed version (exclusive end).
    Fixed(String),
    /// Last affected version (inclusive end).
    LastAffected(String),
    /// Upper bound on the range (exclusive); `"*"` means none.
    Limit(String),
}

impl Event {
    /// The event's version text.
    pub fn version(&self) -> &str {
        match self {
            Event::Introduced(v) | Event::Fixed(v) | Event::LastAffected(v) | Event::Limit(v) => v,
        }
    }
}

/// One OSV `ranges[]` entry.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct OsvRange {
    /// `ECOSYSTEM`, `SEMVER` or `GIT`.
    pub kind: RangeKind,
    /// The events, in any order.
    pub events: Vec<Event>,
}

/// The verdict of [`affected`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Affected {
    /// Is the version affected?
    pub affected: bool,
    /// The `fixed` versions, above the given version, of the ranges that contain it (in range order, no
    /// duplicates). Empty when no fix is known.
    pub fixed: Vec<String>,
    /// Ranges that were not evaluated, with the reason (e.g. `GIT range skipped`).
    pub skipped: Vec<String>,
}

#[derive(Debug)]
enum Ev {
    Introduced(Option<Version>),
    Fixed(Version),
    LastAffected(Version),
    Limit(Option<Version>),
}

impl Ev {
    fn version(&self) -> Option<&Version> {
        match self {
            Ev::Introduced(v) | Ev::Limit(v) => v.as_ref(),
            Ev::Fixed(v) | Ev::LastAffected(v) => Some(v),
        }
    }

    /// At equal versions a range closes before it reopens: `fixed: X` then `introduced: X` leaves X affected
    /// (feeds write adjacent windows that way), and `introduced: X` with `last_affected: X` affects X.
    fn tie_rank(&self) -> u8 {
        match self {
            Ev::Fixed(_) => 0,
            Ev::LastAffected(_) => 1,
            Ev::Introduced(_) => 2,
            Ev::Limit(_) => 3,
        }
    }
}

fn range_scheme(scheme: Scheme, kind: RangeKind) -> Scheme {
    match kind {
        RangeKind::Semver => match scheme {
            Scheme::Go | Scheme::Cargo | Scheme::Npm | Scheme::Hex | Scheme::Pub => scheme,
            _ => Scheme::Npm,
        },
        _ => scheme,
    }
}

/// Is `version` affected according to OSV `ranges` and `versions`?
///
/// Errors when `version` or an event version does not parse in the range's scheme (a GIT range's events are
/// never parsed).
///
/// ```
/// use trawl_version::{Event, OsvRange, RangeKind, Scheme, affected};
/// let r = OsvRange {
///     kind: RangeKind::Ecosystem,
///     events: vec![Event::Fixed("1.2.0".into()), Event::Introduced("0".into())],
/// };
/// let a = affected(Scheme::Pep440, "1.1", &[r], &[]).unwrap();
/// assert!(a.affected);
/// assert_eq!(a.fixed, vec!["1.2.0".to_string()]);
/// ```
pub fn affected(
    scheme: Scheme,
    version: &str,
    ranges: &[OsvRange],
    versions: &[String],
) -> Result<Affected, VersionError> {
    let mut out = Affected::default();
    let own = Version::parse(scheme, version)?;
    let mut semver_own: Option<Version> = None;
    for (idx, range) in ranges.iter().enumerate() {
        if range.kind == RangeKind::Git {
            out.skipped.push(format!(
                "GIT range skipped (range {idx}: commit ranges need the repository)"
            ));
            continue;
        }
        let rs = range_scheme(scheme, range.kind);
        let v = if rs == scheme {
            &own
        } else {
            if semver_own.is_none() {
                semver_own = Some(Version::parse(rs, version)?);
            }
            semver_own.as_ref().expect("set just above")
        };
        if !range
            .events
            .iter()
            .any(|e| matches!(e, Event::Introduced(_)))
        {
            out.skipped
                .push(format!("range {idx} has no introduced event"));
            continue;
        }
        let (hit, fixes) = in_range(rs, v, &range.events)?;
        if hit {
            out.affected = true;
            for f in fixes {
                if !out.fixed.contains(&f) {
                    out.fixed.push(f);
                }
            }
        }
    }
    if !out.affected {
        for listed in versions {
            let same = match Version::parse(scheme, listed) {
                Ok(l) => l == own,
                Err(_) => listed.trim() == version.trim(),
            };
            if same {
                out.affected = true;
                break;
            }
        }
    }
    Ok(out)
}

/// Sort order of events: by version (`introduced: 0` lowest, `limit: *` highest), then closing before opening.
fn event_order(a: &Ev, b: &Ev) -> Ordering {
    let by_version = match (a.version(), b.version()) {
        (None, None) => Ordering::Equal,
        // `introduced: 0` is the lowest; `limit: *` the highest.
        (None, Some(_)) => {
            if matches!(a, Ev::Introduced(_)) {
                Ordering::Less
            } else {
                Ordering::Greater
            }
        }
        (Some(_), None) => {
            if matches!(b, Ev::Introduced(_)) {
                Ordering::Greater
            } else {
                Ordering::Less
            }
        }
        (Some(x), Some(y)) => x.cmp(y),
    };
    by_version.then_with(|| a.tie_rank().cmp(&b.tie_rank()))
}

/// Walks one range's sorted events; returns whether `v` is inside and the fixed versions above `v`.
fn in_range(
    scheme: Scheme,
    v: &Version,
    events: &[Event],
) -> Result<(bool, Vec<String>), VersionError> {
    let mut evs: Vec<(Ev, &str)> = Vec::with_capacity(events.len());
    for e in events {
        let text = e.version();
        let ev = match e {
            Event::Introduced(s) if s.trim() == "0" => Ev::Introduced(None),
            Event::Introduced(s) => Ev::Introduced(Some(Version::parse(scheme, s)?)),
            Event::Fixed(s) => Ev::Fixed(Version::parse(scheme, s)?),
            Event::LastAffected(s) => Ev::LastAffected(Version::parse(scheme, s)?),
            Event::Limit(s) if s.trim() == "*" => Ev::Limit(None),
            Event::Limit(s) => Ev::Limit(Some(Version::parse(scheme, s)?)),
        };
        evs.push((ev, text));
    }
    // Insertion sort: a handful of events, and unlike `slice::sort_by` it cannot panic if a scheme's order is
    // not total on degenerate input (Maven's `ComparableVersion` is not, e.g. `-cr < - < cg- < -cr`).
    for k in 1..evs.len() {
        let mut j = k;
        while j > 0 && event_order(&evs[j - 1].0, &evs[j].0) == Ordering::Greater {
            evs.swap(j - 1, j);
            j -= 1;
        }
    }
    let mut vulnerable = false;
    for (ev, _) in &evs {
        match ev {
            Ev::Introduced(None) => vulnerable = true,
            Ev::Introduced(Some(i)) if v >= i => vulnerable = true,
            Ev::Fixed(f) if v >= f => vulnerable = false,
            Ev::LastAffected(l) if v > l => vulnerable = false,
            _ => {}
        }
    }
    // Feeds often write a range as consecutive `introduced`/closing pairs, sometimes overlapping
    // (`introduced 2.11, fixed 2.11.7, introduced 0, fixed 2.11.6`); the sorted walk alone would lose part of
    // such a union, so when the events alternate like that, each pair also counts as a window of its own.
    if !vulnerable {
        vulnerable = in_written_pairs(v, &evs_in_order(scheme, events)?);
    }
    // A limit caps the whole range.
    if evs
        .iter()
        .any(|(ev, _)| matches!(ev, Ev::Limit(Some(l)) if v >= l))
    {
        vulnerable = false;
    }
    let mut fixes = Vec::new();
    if vulnerable {
        for (ev, text) in &evs {
            if let Ev::Fixed(f) = ev
                && f > v
            {
                fixes.push((*text).to_string());
            }
        }
        // Only the first fix above `v` closes the sub-range `v` is in.
        fixes.truncate(1);
    }
    Ok((vulnerable, fixes))
}

/// The events in the order they were written (limits left out).
fn evs_in_order(scheme: Scheme, events: &[Event]) -> Result<Vec<Ev>, VersionError> {
    let mut out = Vec::with_capacity(events.len());
    for e in events {
        out.push(match e {
            Event::Introduced(s) if s.trim() == "0" => Ev::Introduced(None),
            Event::Introduced(s) => Ev::Introduced(Some(Version::parse(scheme, s)?)),
            Event::Fixed(s) => Ev::Fixed(Version::parse(scheme, s)?),
            Event::LastAffected(s) => Ev::LastAffected(Version::parse(scheme, s)?),
            Event::Limit(_) => continue,
        });
    }
    Ok(out)
}

/// Is `v` inside one of the windows written as consecutive (`introduced`, `fixed`/`last_affected`) pairs?
/// Only applies when the events alternate that way (a trailing `introduced` opens an endless window).
fn in_written_pairs(v: &Version, evs: &[Ev]) -> bool {
    let mut k = 0;
    let mut hit = false;
    while k < evs.len() {
        let Ev::Introduced(lo) = &evs[k] else {
            return false;
        };
        let above = lo.as_ref().is_none_or(|lo| v >= lo);
        match evs.get(k + 1) {
            None => {
                hit |= above;
                k += 1;
            }
            Some(Ev::Fixed(f)) => {
                hit |= above && v < f;
                k += 2;
            }
            Some(Ev::LastAffected(l)) => {
                hit |= above && v <= l;
                k += 2;
            }
            Some(_) => return false,
        }
    }
    hit
}

/// The lowest of `fixed` that is above `installed` (the upgrade to recommend); `None` when no fix is above it.
///
/// Entries that do not parse are ignored; an unparsable `installed` is an error.
pub fn lowest_fixed(
    scheme: Scheme,
    installed: &str,
    fixed: &[String],
) -> Result<Option<String>, VersionError> {
    let own = Version::parse(scheme, installed)?;
    let best = fixed
        .iter()
        .filter_map(|f| Version::parse(scheme, f).ok())
        .filter(|f| *f > own)
        .min();
    Ok(best.map(|v| v.as_str().to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(events: Vec<Event>) -> OsvRange {
        OsvRange {
            kind: RangeKind::Ecosystem,
            events,
        }
    }
    fn i(s: &str) -> Event {
        Event::Introduced(s.into())
    }
    fn f(s: &str) -> Event {
        Event::Fixed(s.into())
    }
    fn la(s: &str) -> Event {
        Event::LastAffected(s.into())
    }

    #[test]
    fn several_windows_any_order() {
        let rg = r(vec![f("2.5"), i("2.0"), f("1.5"), i("1.0")]);
        let check =
            |v: &str| affected(Scheme::Pep440, v, std::slice::from_ref(&rg), &[]).expect("ok");
        assert!(!check("0.9").affected);
        assert!(check("1.0").affected);
        assert_eq!(check("1.2").fixed, vec!["1.5"]);
        assert!(!check("1.5").affected);
        assert!(!check("1.7").affected);
        assert_eq!(check("2.2").fixed, vec!["2.5"]);
        assert!(!check("3").affected);
    }

    #[test]
    fn last_affected_limit_git_versions() {
        let rg = r(vec![i("0"), la("1.4")]);
        assert!(
            affected(Scheme::Npm, "1.4.0", std::slice::from_ref(&rg), &[])
                .expect("ok")
                .affected
        );
        assert!(
            !affected(Scheme::Npm, "1.4.1", std::slice::from_ref(&rg), &[])
                .expect("ok")
                .affected
        );
        let lim = r(vec![i("1.0"), Event::Limit("2.0".into())]);
        assert!(
            affected(Scheme::Npm, "1.9.0", std::slice::from_ref(&lim), &[])
                .expect("ok")
                .affected
        );
        assert!(
            !affected(Scheme::Npm, "2.0.0", std::slice::from_ref(&lim), &[])
                .expect("ok")
                .affected
        );
        let git = OsvRange {
            kind: RangeKind::Git,
            events: vec![i("abc123")],
        };
        let a = affected(Scheme::Pep440, "1.0", &[git], &["1.0.0".into()]).expect("ok");
        assert!(a.affected, "listed in versions (1.0 == 1.0.0)");
        assert_eq!(a.skipped.len(), 1);
        assert!(a.skipped[0].starts_with("GIT range skipped"));
    }

    #[test]
    fn overlapping_written_pairs_are_a_union() {
        // PYSEC-2021-114 (wagtail) writes its windows out of order and overlapping.
        let rg = r(vec![
            i("2.11"),
            f("2.11.7"),
            i("0"),
            f("2.11.6"),
            i("2.12"),
            f("2.12.4"),
        ]);
        let check = |v: &str| {
            affected(Scheme::Pep440, v, std::slice::from_ref(&rg), &[])
                .expect("ok")
                .affected
        };
        assert!(check("2.11.6"));
        assert!(check("2.10"));
        assert!(!check("2.11.7"));
        assert!(check("2.12.3"));
        assert!(!check("2.12.4"));
        // Adjacent windows written as `fixed X` then `introduced X` keep X affected.
        let adj = r(vec![i("0"), f("3.1.1"), i("3.1.1"), f("3.1.3")]);
        assert!(
            affected(Scheme::Pep440, "3.1.1", &[adj], &[])
                .expect("ok")
                .affected
        );
    }

    #[test]
    fn degenerate_maven_events_do_not_panic() {
        // Maven's order is not transitive on these (`-cr < - < cg- < -cr`); sorting must still not panic.
        let rg = r(vec![
            i("-cr"),
            f("-"),
            la("cg\u{aa}-"),
            i("0"),
            f("-cr"),
            Event::Limit("-".into()),
        ]);
        let _ = affected(Scheme::Maven, "-", std::slice::from_ref(&rg), &[]).expect("parses");
    }

    #[test]
    fn lowest() {
        let fixed = vec![
            "2.0".to_string(),
            "1.5".to_string(),
            "1.0".to_string(),
            "1:".to_string(),
        ];
        assert_eq!(
            lowest_fixed(Scheme::Deb, "1.2", &fixed)
                .expect("ok")
                .as_deref(),
            Some("1.5")
        );
        assert_eq!(lowest_fixed(Scheme::Deb, "2.0", &fixed).expect("ok"), None);
    }
}
