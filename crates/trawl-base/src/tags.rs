//! The tags of a base image's distribution line: `debian:12.5` -> `12.8`, `python:3.12-slim` -> `3.12.7-slim`.
//!
//! A tag is a version (`v` optional, numbers separated by dots) and a suffix (`-slim`, `-alpine3.20`). Two tags
//! are of the same line when their suffixes are equal and their first numbers are: `12.5` and `12.8`, not `11.9`
//! nor `12.5-slim`. Tags without a version (`latest`, `bookworm`) have no line.

use std::cmp::Ordering;

/// A tag read as a version and a suffix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagVersion {
    /// The dotted numbers (`3.12.1` -> `[3, 12, 1]`).
    pub numbers: Vec<u64>,
    /// What follows them (`-slim-bookworm`), maybe empty.
    pub suffix: String,
}

impl TagVersion {
    /// Reads a tag; `None` when it does not start with a number (`latest`, `bookworm-slim`).
    pub fn parse(tag: &str) -> Option<TagVersion> {
        let s = tag.strip_prefix('v').unwrap_or(tag);
        let mut numbers = Vec::new();
        let mut rest = s;
        loop {
            let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
            if digits == 0 || digits > 18 {
                break;
            }
            numbers.push(rest[..digits].parse().ok()?);
            rest = &rest[digits..];
            match rest.strip_prefix('.') {
                Some(r) if r.starts_with(|c: char| c.is_ascii_digit()) => rest = r,
                _ => break,
            }
        }
        if numbers.is_empty() {
            return None;
        }
        // `3.12rc1`: a suffix glued to the number is a pre-release, not a line of its own.
        if rest.starts_with(|c: char| c.is_ascii_alphanumeric()) {
            return None;
        }
        Some(TagVersion {
            numbers,
            suffix: rest.to_owned(),
        })
    }

    /// Same suffix and same first number.
    pub fn same_line(&self, other: &TagVersion) -> bool {
        self.suffix == other.suffix && self.numbers.first() == other.numbers.first()
    }

    /// Numeric order, a missing number reading as 0 (`12` = `12.0`).
    pub fn cmp_version(&self, other: &TagVersion) -> Ordering {
        let n = self.numbers.len().max(other.numbers.len());
        for i in 0..n {
            let a = self.numbers.get(i).copied().unwrap_or(0);
            let b = other.numbers.get(i).copied().unwrap_or(0);
            match a.cmp(&b) {
                Ordering::Equal => {}
                o => return o,
            }
        }
        Ordering::Equal
    }

    /// Whether this tag floats over `other` (`12` and `12.5`, `3.19` and `3.19.4`): fewer numbers, all equal.
    pub fn floats_over(&self, other: &TagVersion) -> bool {
        self.numbers.len() < other.numbers.len() && other.numbers.starts_with(&self.numbers)
    }
}

/// The tags worth moving to from `current`: those of its line that are newer, and the floating tags over it
/// (`12` for `12.5`: they follow the line's newest release), newest first. `current` itself is not listed;
/// tags that are not versions are not either.
pub fn upgrades(current: &str, tags: &[String]) -> Vec<String> {
    let Some(cur) = TagVersion::parse(current) else {
        return Vec::new();
    };
    let mut out: Vec<String> = tags
        .iter()
        .filter(|t| t.as_str() != current)
        .filter(|t| {
            TagVersion::parse(t).is_some_and(|v| {
                v.same_line(&cur)
                    && (v.cmp_version(&cur) == Ordering::Greater || v.floats_over(&cur))
            })
        })
        .cloned()
        .collect();
    newest_first(&mut out);
    out
}

/// Sorts tags newest version first (of equal versions, the one with more numbers: `3.7.0` before `3.7`), then
/// by name; tags that are not versions come last, by name.
pub fn newest_first(tags: &mut [String]) {
    tags.sort_by_cached_key(|t| {
        let v = TagVersion::parse(t);
        (v.is_none(), v, t.clone())
    });
}

impl Ord for TagVersion {
    /// Newest first: descending [`TagVersion::cmp_version`], then more numbers first; the suffix last.
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .cmp_version(self)
            .then(other.numbers.len().cmp(&self.numbers.len()))
            .then(self.suffix.cmp(&other.suffix))
    }
}

impl PartialOrd for TagVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(t: &[&str]) -> Vec<String> {
        t.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn reads_tags() {
        let v = TagVersion::parse("3.12.1-slim-bookworm").expect("version");
        assert_eq!(v.numbers, [3, 12, 1]);
        assert_eq!(v.suffix, "-slim-bookworm");
        assert_eq!(
            TagVersion::parse("v1.2").map(|v| v.numbers),
            Some(vec![1, 2])
        );
        assert_eq!(
            TagVersion::parse("20240923").map(|v| v.numbers),
            Some(vec![20240923])
        );
        for not in [
            "latest",
            "bookworm-slim",
            "",
            "3.12rc1",
            "99999999999999999999",
        ] {
            assert_eq!(TagVersion::parse(not), None, "{not}");
        }
    }

    #[test]
    fn upgrades_stay_in_the_line() {
        let all = tags(&[
            "12.5",
            "12.8",
            "12.10",
            "12",
            "11.9",
            "12.5-slim",
            "12.9-slim",
            "13.1",
            "latest",
            "12.4",
            "bookworm",
        ]);
        assert_eq!(upgrades("12.5", &all), tags(&["12.10", "12.8", "12"]));
        assert_eq!(upgrades("12.5-slim", &all), tags(&["12.9-slim"]));
        assert_eq!(upgrades("latest", &all), Vec::<String>::new());
        let alpine = tags(&["3.7.3", "3.8.5", "3.20.3", "3.9", "3.7", "20240923"]);
        assert_eq!(
            upgrades("3.7.3", &alpine),
            tags(&["3.20.3", "3.9", "3.8.5", "3.7"])
        );
        let mut all = tags(&["latest", "3.7", "3.7.0", "bookworm", "3.10", "3.9.1"]);
        newest_first(&mut all);
        assert_eq!(
            all,
            tags(&["3.10", "3.9.1", "3.7.0", "3.7", "bookworm", "latest"])
        );
    }
}
