//! Shared checks for the fuzz targets: parsing never panics, and whatever parses is ordered consistently.

use std::cmp::Ordering;
use trawl_version::{Event, OsvRange, RangeKind, Scheme, Version, affected, parse_constraint};

/// Splits the input into up to three strings (at `\n`), lossily decoded.
fn parts(data: &[u8]) -> Vec<String> {
    data.splitn(3, |b| *b == b'\n')
        .map(|p| String::from_utf8_lossy(p).into_owned())
        .collect()
}

/// Parses the strings as versions of `scheme` and checks reflexivity, antisymmetry and transitivity.
pub fn check_versions(scheme: Scheme, data: &[u8]) {
    let vs: Vec<Version> = parts(data)
        .iter()
        .filter_map(|s| Version::parse(scheme, s).ok())
        .collect();
    for a in &vs {
        assert_eq!(
            a.cmp(a),
            Ordering::Equal,
            "{scheme}: {a} is not equal to itself"
        );
        for b in &vs {
            assert_eq!(
                a.cmp(b),
                b.cmp(a).reverse(),
                "{scheme}: {a} vs {b} is not antisymmetric"
            );
            for c in &vs {
                // Maven's own order is not transitive on strings that do not start with a number (see the
                // crate README); only the well-formed ones are checked.
                if scheme == Scheme::Maven
                    && ![a, b, c].iter().all(|v| {
                        v.as_str()
                            .trim_start()
                            .starts_with(|ch: char| ch.is_ascii_digit())
                    })
                {
                    continue;
                }
                // Packagist's `#` equals every number (PHP's rule, pinned by the shared vectors): not transitive.
                if scheme == Scheme::Packagist && [a, b, c].iter().any(|v| v.as_str().contains('#'))
                {
                    continue;
                }
                if a <= b && b <= c {
                    assert!(a <= c, "{scheme}: {a} <= {b} <= {c} but not {a} <= {c}");
                }
            }
        }
    }
}

/// Parses the first string as a range expression of `scheme` and tests the second against it.
pub fn check_constraint(scheme: Scheme, data: &[u8]) {
    let p = parts(data);
    if let Ok(c) = parse_constraint(scheme, &p[0]) {
        let _ = c.matches_str(p.get(1).map_or("1.0", String::as_str));
    }
}

/// Builds OSV events from the input (first byte picks the scheme) and evaluates them.
pub fn check_osv(data: &[u8]) {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let scheme = Scheme::ALL[usize::from(first) % Scheme::ALL.len()];
    let text = String::from_utf8_lossy(rest);
    let mut lines = text.split('\n');
    let version = lines.next().unwrap_or("");
    let events: Vec<Event> = lines
        .enumerate()
        .map(|(k, l)| match k % 4 {
            0 => Event::Introduced(l.to_string()),
            1 => Event::Fixed(l.to_string()),
            2 => Event::LastAffected(l.to_string()),
            _ => Event::Limit(l.to_string()),
        })
        .collect();
    let kind = if first & 0x80 != 0 {
        RangeKind::Semver
    } else {
        RangeKind::Ecosystem
    };
    let _ = affected(scheme, version, &[OsvRange { kind, events }], &[]);
}
