//! Maven versions, ordered as Maven's `org.apache.maven.artifact.versioning.ComparableVersion` (3.8) orders them.
//!
//! Parsing (case-insensitive): the version is cut at `.` and `-` and at every switch between digits and
//! letters. A `-`, and every digit/letter switch, opens a nested sub-list, so `1-1` is `[1, [1]]` and `1.0a1` is
//! `[1, 0, [a, [1]]]`; a qualifier that would not be the first item of its list opens a list of its own
//! (`1.0.0.x1` reads like `1.0.0-x1`). An empty part counts as `0`. Trailing "null" items (`0`, empty qualifier, empty list) are
//! dropped from every list (`1.0.0 = 1`, `1-ga = 1`).
//!
//! Qualifiers: `alpha < beta < milestone < rc = cr < snapshot < "" = ga = final = release < sp`, then any other
//! qualifier, alphabetically, after `sp`. A single `a`, `b` or `m` directly followed by a digit means `alpha`,
//! `beta`, `milestone` (`1a1 = 1-alpha-1`).
//!
//! Order between item kinds: number > list > qualifier (`1.1 > 1-1 > 1-sp`). Against "nothing" (the other list
//! ran out), a number is greater unless it is 0, a qualifier compares with the empty qualifier (so `1-rc < 1 <
//! 1-sp`), and a list by its first item that is not equal to nothing.

use crate::num::Num;
use std::cmp::Ordering;

const QUALIFIERS: [&str; 7] = ["alpha", "beta", "milestone", "rc", "snapshot", "", "sp"];

#[derive(Clone, Debug)]
enum Item {
    Int(Num),
    /// The comparable key of a qualifier (`"0"`..`"6"` for known ones, `"7-name"` otherwise).
    Str(Box<str>),
    List(Vec<Item>),
}

/// A parsed Maven version.
#[derive(Clone, Debug)]
pub(crate) struct MavenVersion(Vec<Item>);

fn qualifier_key(raw: &str, followed_by_digit: bool) -> Box<str> {
    let mut v = raw;
    if followed_by_digit && raw.len() == 1 {
        v = match raw {
            "a" => "alpha",
            "b" => "beta",
            "m" => "milestone",
            _ => raw,
        };
    }
    let v = match v {
        "ga" | "final" | "release" => "",
        "cr" => "rc",
        other => other,
    };
    match QUALIFIERS.iter().position(|q| *q == v) {
        Some(i) => i.to_string().into(),
        None => format!("{}-{v}", QUALIFIERS.len()).into(),
    }
}

fn is_digit(c: char) -> bool {
    c.is_ascii_digit()
}

fn parse_item(is_digit: bool, buf: &str) -> Item {
    if is_digit {
        Item::Int(Num::from_digits(buf))
    } else {
        Item::Str(qualifier_key(buf, false))
    }
}

/// Index path of the list currently being filled, from the root.
fn current<'a>(root: &'a mut Vec<Item>, path: &[usize]) -> &'a mut Vec<Item> {
    let mut list = root;
    for &k in path {
        list = match &mut list[k] {
            Item::List(l) => l,
            _ => unreachable!("paths only point at lists"),
        };
    }
    list
}

pub(crate) fn parse(s: &str) -> Result<MavenVersion, String> {
    if s.trim().is_empty() {
        return Err("version string is empty".into());
    }
    let version = s.to_lowercase();
    let chars: Vec<(usize, char)> = version.char_indices().collect();
    let mut root: Vec<Item> = Vec::new();
    let mut path: Vec<usize> = Vec::new();
    let mut is_dig = false;
    let mut start = 0usize; // byte offset
    let open_list = |root: &mut Vec<Item>, path: &mut Vec<usize>| {
        let list = current(root, path);
        list.push(Item::List(Vec::new()));
        path.push(list.len() - 1);
    };
    for &(i, c) in &chars {
        if c == '.' || c == '-' {
            let item = if i == start {
                Item::Int(Num::ZERO)
            } else {
                parse_item(is_dig, &version[start..i])
            };
            current(&mut root, &path).push(item);
            start = i + 1;
            if c == '-' {
                open_list(&mut root, &mut path);
            }
        } else if is_digit(c) {
            if !is_dig && i > start {
                // `1.0.0.x1` reads like `1.0.0-x1`: a qualifier that does not start a list opens one.
                if !current(&mut root, &path).is_empty() {
                    open_list(&mut root, &mut path);
                }
                current(&mut root, &path).push(Item::Str(qualifier_key(&version[start..i], true)));
                start = i;
                open_list(&mut root, &mut path);
            }
            is_dig = true;
        } else {
            if is_dig && i > start {
                current(&mut root, &path).push(parse_item(true, &version[start..i]));
                start = i;
                open_list(&mut root, &mut path);
            }
            is_dig = false;
        }
    }
    if version.len() > start {
        if !is_dig && !current(&mut root, &path).is_empty() {
            open_list(&mut root, &mut path);
        }
        current(&mut root, &path).push(parse_item(is_dig, &version[start..]));
    }
    // Normalise innermost lists first (the order Maven pops its stack in).
    while !path.is_empty() {
        normalize(current(&mut root, &path));
        path.pop();
    }
    normalize(&mut root);
    Ok(MavenVersion(root))
}

fn is_null(item: &Item) -> bool {
    match item {
        Item::Int(n) => n.is_zero(),
        Item::Str(k) => &**k == "5",
        Item::List(l) => l.is_empty(),
    }
}

fn normalize(list: &mut Vec<Item>) {
    let mut i = list.len();
    while i > 0 {
        i -= 1;
        if is_null(&list[i]) {
            list.remove(i);
        } else if !matches!(list[i], Item::List(_)) {
            break;
        }
    }
}

fn cmp_keys(a: &str, b: &str) -> Ordering {
    if a.is_ascii() && b.is_ascii() {
        a.cmp(b)
    } else {
        a.encode_utf16().cmp(b.encode_utf16())
    }
}

/// `item.compareTo(null)`.
fn cmp_null(item: &Item) -> Ordering {
    match item {
        Item::Int(n) => {
            if n.is_zero() {
                Ordering::Equal
            } else {
                Ordering::Greater
            }
        }
        Item::Str(k) => cmp_keys(k, "5"),
        Item::List(l) => l
            .iter()
            .map(cmp_null)
            .find(|o| *o != Ordering::Equal)
            .unwrap_or(Ordering::Equal),
    }
}

fn cmp_item(a: &Item, b: &Item) -> Ordering {
    match (a, b) {
        (Item::Int(x), Item::Int(y)) => x.cmp(y),
        (Item::Int(_), _) => Ordering::Greater,
        (Item::Str(_), Item::Int(_)) => Ordering::Less,
        (Item::Str(x), Item::Str(y)) => cmp_keys(x, y),
        (Item::Str(_), Item::List(_)) => Ordering::Less,
        (Item::List(_), Item::Int(_)) => Ordering::Less,
        (Item::List(_), Item::Str(_)) => Ordering::Greater,
        (Item::List(x), Item::List(y)) => cmp_lists(x, y),
    }
}

fn cmp_lists(x: &[Item], y: &[Item]) -> Ordering {
    let n = x.len().max(y.len());
    for k in 0..n {
        let r = match (x.get(k), y.get(k)) {
            (Some(l), Some(r)) => cmp_item(l, r),
            (Some(l), None) => cmp_null(l),
            (None, Some(r)) => cmp_null(r).reverse(),
            (None, None) => Ordering::Equal,
        };
        if r != Ordering::Equal {
            return r;
        }
    }
    Ordering::Equal
}

impl Ord for MavenVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        cmp_lists(&self.0, &other.0)
    }
}

impl PartialOrd for MavenVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for MavenVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for MavenVersion {}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(a: &str, b: &str) -> Ordering {
        parse(a).expect("a").cmp(&parse(b).expect("b"))
    }

    #[test]
    fn order() {
        assert_eq!(c("1.0.0", "1"), Ordering::Equal);
        assert_eq!(c("1-ga", "1"), Ordering::Equal);
        assert_eq!(c("1-rc1", "1"), Ordering::Less);
        assert_eq!(c("1-sp1", "1"), Ordering::Greater);
        assert_eq!(c("1a1", "1-alpha-1"), Ordering::Equal);
        assert_eq!(c("1.1", "1-1"), Ordering::Greater);
        assert_eq!(c("1-1", "1-sp"), Ordering::Greater);
        assert_eq!(c("1.0-SNAPSHOT", "1.0"), Ordering::Less);
    }
}
