//! Vendor range syntaxes: the version requirements advisory feeds use besides OSV events.
//!
//! - **npm** (node-semver ranges): `||` alternatives of space-separated comparator sets; `<`, `<=`, `>`, `>=`,
//!   `=`; `~1.2.3` (>=1.2.3 <1.3.0-0), `^1.2.3` (no change to the left-most non-zero part), x-ranges
//!   (`1.x`, `1.2.*`, `*`, empty), hyphen ranges (`1.2 - 2.3.4`). As in node-semver (without
//!   `includePrerelease`), a pre-release version only matches a comparator set that names a pre-release of the
//!   same `major.minor.patch`; an "any" alternative (`*`, `x`, empty, `>=0.0.0`) replaces the whole range.
//! - **Maven** (version ranges): `[1.0,2.0)`, `(,1.0]`, `[1.5,)`, `[1.0]`, comma-separated unions of ranges; a
//!   bare `1.0` (a "soft" requirement in Maven) means exactly `1.0` in advisories.
//! - **PyPI** (PEP 440 specifiers): comma-separated `<`, `<=`, `>`, `>=`, `==`, `!=`, `~=`, `===`, with `==1.*`
//!   prefix matching, as `packaging` 26 evaluates them: `<V` stops below `V.dev0` (V's first pre-release) unless
//!   V is a pre-release, `>V` excludes V's local versions and V's own post-releases, `<=V` and `==V` include
//!   V's local versions. Pre-release candidates are never excluded wholesale (`prereleases=True`: a scanner must
//!   match whatever is installed).
//! - **RubyGems** (`Gem::Requirement`): comma-separated `=`, `!=`, `>`, `<`, `>=`, `<=`, `~>` (pessimistic:
//!   `~> 1.2` = `>= 1.2, < 2`; `~> 1.2.3` = `>= 1.2.3, < 1.3`); a bare version means `=`.
//! - **Every other scheme**: `||` alternatives of comparator lists separated by `,` or spaces, with operators
//!   `<`, `<=`, `>`, `>=`, `=`, `==`, `!=` (a bare version means `=`).

use crate::num::Num;
use crate::{Scheme, Version, VersionError};
use std::cmp::Ordering;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
}

#[derive(Clone, Debug)]
enum Cmp {
    /// An ordered comparison against a version.
    Plain(Op, Version),
    /// PEP 440 `==V.*` / `!=V.*`: release prefix match (negated for `!=`).
    PyPrefix {
        negate: bool,
        epoch: Num,
        prefix: Vec<Num>,
    },
    /// PEP 440 `===`: exact string match.
    Arbitrary(String),
    /// PEP 440 `<V` (excludes pre-releases of V's release unless V is one).
    PyLt(Version),
    /// PEP 440 `>V` (excludes post-releases of V unless V is one, and local versions of V).
    PyGt(Version),
    /// PEP 440 `==V` / `!=V` without a local label in V: ignores the candidate's local label.
    PyEq { negate: bool, v: Version },
    /// RubyGems `~>` upper bound: the candidate's release part is below the bumped version.
    GemReleaseLt(Version),
    /// PEP 440 `<=V`: the candidate's local label is ignored.
    PyLe(Version),
    /// Matches every version.
    Any,
}

/// A parsed range expression: alternatives (OR) of comparator sets (AND).
#[derive(Clone, Debug)]
pub struct Constraint {
    scheme: Scheme,
    sets: Vec<Vec<Cmp>>,
    text: String,
}

impl Constraint {
    /// The scheme whose syntax and order this constraint uses.
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// The original text.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Does `v` satisfy the constraint? `v` should be of the constraint's scheme.
    pub fn matches(&self, v: &Version) -> bool {
        self.sets.iter().any(|set| {
            if !set.iter().all(|c| cmp_matches(c, v)) {
                return false;
            }
            if self.scheme == Scheme::Npm && v.is_prerelease() {
                // node-semver: a pre-release only satisfies a set that names a pre-release of the same tuple.
                let sv = v.semver().expect("npm versions are SemVer");
                return set.iter().any(|c| match c {
                    Cmp::Plain(_, cv) => cv.semver().is_some_and(|c| {
                        !c.pre.is_empty()
                            && c.major == sv.major
                            && c.minor == sv.minor
                            && c.patch == sv.patch
                    }),
                    _ => false,
                });
            }
            true
        })
    }

    /// Parses `version` in the constraint's scheme and tests it.
    pub fn matches_str(&self, version: &str) -> Result<bool, VersionError> {
        Ok(self.matches(&Version::parse(self.scheme, version)?))
    }
}

fn cmp_matches(c: &Cmp, v: &Version) -> bool {
    match c {
        Cmp::Any => true,
        Cmp::Plain(op, w) => {
            let o = v.cmp(w);
            match op {
                Op::Lt => o == Ordering::Less,
                Op::Le => o != Ordering::Greater,
                Op::Gt => o == Ordering::Greater,
                Op::Ge => o != Ordering::Less,
                Op::Eq => o == Ordering::Equal,
                Op::Ne => o != Ordering::Equal,
            }
        }
        Cmp::GemReleaseLt(w) => match (v.gem(), w.gem()) {
            (Some(a), Some(b)) => a.release() < *b,
            _ => v < w,
        },
        Cmp::Arbitrary(s) => v.as_str().trim().eq_ignore_ascii_case(s.trim()),
        Cmp::PyPrefix {
            negate,
            epoch,
            prefix,
        } => {
            let hit = v.py().is_some_and(|p| {
                p.epoch() == Some(epoch)
                    && p.release().is_some_and(|rel| {
                        prefix
                            .iter()
                            .enumerate()
                            .all(|(k, n)| rel.get(k).unwrap_or(&Num::ZERO) == n)
                    })
            });
            hit != *negate
        }
        Cmp::PyEq { negate, v: w } => {
            let cand = v.py().map(|p| p.without_local());
            let hit = match (cand, w.py()) {
                (Some(c), Some(wp)) => &c == wp,
                _ => v == w,
            };
            hit != *negate
        }
        Cmp::PyLt(w) => {
            // `<V` stops below V's first pre-release (`V.dev0`) unless V is itself a pre-release.
            match (v.py(), w.py()) {
                (Some(pv), Some(pw)) if !pw.is_legacy() && !pw.is_prerelease() => pv < &pw.dev0(),
                _ => v < w,
            }
        }
        Cmp::PyGt(w) => {
            if v <= w {
                return false;
            }
            match (v.py(), w.py()) {
                (Some(pv), Some(pw)) => {
                    // `>V` excludes V's local versions and V's own post-releases (unless V is one).
                    let local_of_w = pv.has_local() && &pv.without_local() == pw;
                    !(local_of_w || pv.without_local().is_post_of(pw))
                }
                _ => true,
            }
        }
        Cmp::PyLe(w) => match v.py() {
            // `<=V` includes V's local versions.
            Some(pv) => &pv.without_local() <= w.py().unwrap_or(pv),
            None => v <= w,
        },
    }
}

/// Parses a vendor range expression in `scheme`'s syntax (see the module docs).
///
/// ```
/// use trawl_version::{Scheme, parse_constraint};
/// let c = parse_constraint(Scheme::Npm, ">=1.2.0 <2 || ^3.1").unwrap();
/// assert!(c.matches_str("3.4.0").unwrap());
/// assert!(!c.matches_str("2.0.0").unwrap());
/// let m = parse_constraint(Scheme::Maven, "[1.0,2.0)").unwrap();
/// assert!(m.matches_str("1.5").unwrap());
/// ```
pub fn parse_constraint(scheme: Scheme, s: &str) -> Result<Constraint, VersionError> {
    let err = |reason: String| VersionError::InvalidConstraint {
        scheme,
        constraint: s.to_string(),
        reason,
    };
    if s.len() > crate::MAX_VERSION_LEN {
        return Err(err("too long".into()));
    }
    let ver = |t: &str| Version::parse(scheme, t).map_err(|e| err(e.to_string()));
    let sets = match scheme {
        Scheme::Npm => npm(s, &ver, &err)?,
        Scheme::Maven => maven(s, &ver, &err)?,
        Scheme::Pep440 => vec![pypi(s, &ver, &err)?],
        Scheme::RubyGems => vec![rubygems(s, &ver, &err)?],
        _ => generic(s, &ver, &err)?,
    };
    Ok(Constraint {
        scheme,
        sets,
        text: s.to_string(),
    })
}

type VerFn<'a> = dyn Fn(&str) -> Result<Version, VersionError> + 'a;
type ErrFn<'a> = dyn Fn(String) -> VersionError + 'a;

fn split_op(t: &str) -> (Option<&'static str>, &str) {
    for op in [
        "===", "~>", "~=", "<=", ">=", "==", "!=", "<", ">", "=", "^", "~",
    ] {
        if let Some(rest) = t.strip_prefix(op) {
            return (Some(op), rest.trim_start());
        }
    }
    (None, t)
}

fn op_of(op: &str) -> Option<Op> {
    Some(match op {
        "<" => Op::Lt,
        "<=" => Op::Le,
        ">" => Op::Gt,
        ">=" => Op::Ge,
        "=" | "==" => Op::Eq,
        "!=" => Op::Ne,
        _ => return None,
    })
}

/// Generic comparator lists: `>=1.0, <2.0 || =3.0`.
fn generic(s: &str, ver: &VerFn<'_>, err: &ErrFn<'_>) -> Result<Vec<Vec<Cmp>>, VersionError> {
    let mut sets = Vec::new();
    for alt in s.split("||") {
        let mut set = Vec::new();
        for tok in join_ops(alt) {
            if tok == "*" {
                set.push(Cmp::Any);
                continue;
            }
            let (op, rest) = split_op(&tok);
            let op = match op {
                None => Op::Eq,
                Some(o) => {
                    op_of(o).ok_or_else(|| err(format!("operator {o:?} is not supported here")))?
                }
            };
            set.push(Cmp::Plain(op, ver(rest)?));
        }
        if set.is_empty() {
            return Err(err("empty comparator set".into()));
        }
        sets.push(set);
    }
    Ok(sets)
}

/// Splits on commas and whitespace, gluing an operator to the version that follows it (`>= 1.0` -> `>=1.0`).
fn join_ops(s: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut pending: Option<String> = None;
    for raw in s.split(|c: char| c == ',' || c.is_whitespace()) {
        if raw.is_empty() {
            continue;
        }
        let only_op = raw
            .chars()
            .all(|c| matches!(c, '<' | '>' | '=' | '!' | '~' | '^'));
        if let Some(p) = pending.take() {
            out.push(format!("{p}{raw}"));
        } else if only_op {
            pending = Some(raw.to_string());
        } else {
            out.push(raw.to_string());
        }
    }
    if let Some(p) = pending {
        out.push(p);
    }
    out
}

// ---------------------------------------------------------------- npm

/// A partial npm version: missing or wildcard parts are `None`.
struct Partial {
    parts: [Option<u64>; 3],
    pre: String,
    /// Text of the version with missing parts as 0 (for building comparators).
    given: usize,
}

fn npm_partial(t: &str, err: &ErrFn<'_>) -> Result<Partial, VersionError> {
    let t = t.trim().trim_start_matches(['v', '=']).trim();
    let (main, pre) = match t.split_once('-') {
        Some((m, p)) => (m, p.split('+').next().unwrap_or("")),
        None => (t.split('+').next().unwrap_or(""), ""),
    };
    let mut parts = [None; 3];
    let mut given = 0;
    if !(main.is_empty() || main == "*" || main.eq_ignore_ascii_case("x")) {
        for (k, p) in main.split('.').enumerate() {
            if k >= 3 {
                return Err(err(format!("too many parts in {t:?}")));
            }
            if p == "*" || p.eq_ignore_ascii_case("x") {
                break;
            }
            let n: u64 = p.parse().map_err(|_| err(format!("bad number {p:?}")))?;
            parts[k] = Some(n);
            given = k + 1;
        }
    }
    Ok(Partial {
        parts,
        pre: pre.to_string(),
        given,
    })
}

fn sv(p: &Partial, fill: u64) -> String {
    let g = |k: usize| p.parts[k].unwrap_or(fill);
    format!("{}.{}.{}", g(0), g(1), g(2))
}

fn sv_pre(p: &Partial) -> String {
    if p.pre.is_empty() || p.given < 3 {
        sv(p, 0)
    } else {
        format!("{}-{}", sv(p, 0), p.pre)
    }
}

fn npm(s: &str, ver: &VerFn<'_>, err: &ErrFn<'_>) -> Result<Vec<Vec<Cmp>>, VersionError> {
    let mut sets = Vec::new();
    for alt in s.split("||") {
        let mut set = Vec::new();
        let toks: Vec<String> = {
            let mut v = Vec::new();
            let mut pending: Option<String> = None;
            for raw in alt.split_whitespace() {
                let only_op = raw
                    .chars()
                    .all(|c| matches!(c, '<' | '>' | '=' | '~' | '^'));
                if let Some(p) = pending.take() {
                    v.push(format!("{p}{raw}"));
                } else if only_op {
                    pending = Some(raw.to_string());
                } else {
                    v.push(raw.to_string());
                }
            }
            v.extend(pending);
            v
        };
        let mut k = 0;
        while k < toks.len() {
            // Hyphen range: A - B
            if k + 2 < toks.len() && toks[k + 1] == "-" {
                let lo = npm_partial(&toks[k], err)?;
                let hi = npm_partial(&toks[k + 2], err)?;
                set.push(Cmp::Plain(Op::Ge, ver(&sv_pre(&lo))?));
                push_upper(&mut set, &hi, ver)?;
                k += 3;
                continue;
            }
            let (op, rest) = split_op(&toks[k]);
            let p = npm_partial(rest, err)?;
            match op {
                Some("^") => caret(&mut set, &p, ver)?,
                Some("~") | Some("~>") => tilde(&mut set, &p, ver)?,
                None | Some("=") | Some("==") => {
                    if p.given == 3 {
                        set.push(Cmp::Plain(Op::Eq, ver(&sv_pre(&p))?));
                    } else if p.given == 0 {
                        set.push(Cmp::Any);
                    } else {
                        set.push(Cmp::Plain(Op::Ge, ver(&sv(&p, 0))?));
                        push_upper(&mut set, &p, ver)?;
                    }
                }
                Some(o) => {
                    let op = op_of(o).ok_or_else(|| {
                        err(format!("operator {o:?} is not supported in npm ranges"))
                    })?;
                    x_compare(&mut set, op, &p, ver)?;
                }
            }
            k += 1;
        }
        // node-semver reads a set that is exactly `>=0.0.0` as "any".
        let t = alt.trim();
        if set.is_empty() || t.strip_prefix(">=").is_some_and(|r| r.trim() == "0.0.0") {
            set = vec![Cmp::Any];
        }
        sets.push(set);
    }
    // As in node-semver, an "any" alternative swallows the others (so pre-releases still need an explicit
    // pre-release comparator elsewhere: `x || ^1.2.3-beta` does not match `1.2.3-rc`).
    if sets.len() > 1 && sets.iter().any(|set| matches!(set.as_slice(), [Cmp::Any])) {
        sets = vec![vec![Cmp::Any]];
    }
    Ok(sets)
}

/// Upper bound of a (possibly partial) inclusive version: `<=1.2.3`, or `<1.3.0-0` for `1.2`.
fn push_upper(set: &mut Vec<Cmp>, p: &Partial, ver: &VerFn<'_>) -> Result<(), VersionError> {
    match p.given {
        0 => set.push(Cmp::Any),
        1 => set.push(Cmp::Plain(
            Op::Lt,
            ver(&format!(
                "{}.0.0-0",
                p.parts[0].unwrap_or(0).saturating_add(1)
            ))?,
        )),
        2 => set.push(Cmp::Plain(
            Op::Lt,
            ver(&format!(
                "{}.{}.0-0",
                p.parts[0].unwrap_or(0),
                p.parts[1].unwrap_or(0).saturating_add(1)
            ))?,
        )),
        _ => set.push(Cmp::Plain(Op::Le, ver(&sv_pre(p))?)),
    }
    Ok(())
}

fn x_compare(set: &mut Vec<Cmp>, op: Op, p: &Partial, ver: &VerFn<'_>) -> Result<(), VersionError> {
    if p.given == 3 {
        set.push(Cmp::Plain(op, ver(&sv_pre(p))?));
        return Ok(());
    }
    if p.given == 0 {
        // `<*` matches nothing, `>=*` everything.
        match op {
            Op::Lt | Op::Gt | Op::Ne => set.push(Cmp::Plain(Op::Lt, ver("0.0.0-0")?)),
            _ => set.push(Cmp::Any),
        }
        return Ok(());
    }
    let major = p.parts[0].unwrap_or(0);
    let minor = p.parts[1].unwrap_or(0);
    match op {
        Op::Gt => {
            // >1 => >=2.0.0 ; >1.2 => >=1.3.0
            let v = if p.given == 1 {
                format!("{}.0.0", major.saturating_add(1))
            } else {
                format!("{major}.{}.0", minor.saturating_add(1))
            };
            set.push(Cmp::Plain(Op::Ge, ver(&v)?));
        }
        Op::Le => push_upper(set, p, ver)?,
        Op::Lt => set.push(Cmp::Plain(Op::Lt, ver(&format!("{}-0", sv(p, 0)))?)),
        Op::Ge => set.push(Cmp::Plain(Op::Ge, ver(&sv(p, 0))?)),
        Op::Eq | Op::Ne => {
            set.push(Cmp::Plain(Op::Ge, ver(&sv(p, 0))?));
            push_upper(set, p, ver)?;
        }
    }
    Ok(())
}

fn caret(set: &mut Vec<Cmp>, p: &Partial, ver: &VerFn<'_>) -> Result<(), VersionError> {
    let (ma, mi, pa) = (
        p.parts[0].unwrap_or(0),
        p.parts[1].unwrap_or(0),
        p.parts[2].unwrap_or(0),
    );
    if p.given == 0 {
        set.push(Cmp::Any);
        return Ok(());
    }
    set.push(Cmp::Plain(Op::Ge, ver(&sv_pre(p))?));
    let upper = if ma > 0 || p.given == 1 {
        format!("{}.0.0-0", ma.saturating_add(1))
    } else if mi > 0 || p.given == 2 {
        format!("0.{}.0-0", mi.saturating_add(1))
    } else {
        format!("0.0.{}-0", pa.saturating_add(1))
    };
    set.push(Cmp::Plain(Op::Lt, ver(&upper)?));
    Ok(())
}

fn tilde(set: &mut Vec<Cmp>, p: &Partial, ver: &VerFn<'_>) -> Result<(), VersionError> {
    let (ma, mi) = (p.parts[0].unwrap_or(0), p.parts[1].unwrap_or(0));
    if p.given == 0 {
        set.push(Cmp::Any);
        return Ok(());
    }
    set.push(Cmp::Plain(Op::Ge, ver(&sv_pre(p))?));
    let upper = if p.given == 1 {
        format!("{}.0.0-0", ma.saturating_add(1))
    } else {
        format!("{ma}.{}.0-0", mi.saturating_add(1))
    };
    set.push(Cmp::Plain(Op::Lt, ver(&upper)?));
    Ok(())
}

// ---------------------------------------------------------------- Maven

/// Maven ranges; a union of ranges gives one comparator set per range.
fn maven(s: &str, ver: &VerFn<'_>, err: &ErrFn<'_>) -> Result<Vec<Vec<Cmp>>, VersionError> {
    let s = s.trim();
    if s.is_empty() {
        return Err(err("empty range".into()));
    }
    if !s.starts_with(['[', '(']) {
        return Ok(vec![vec![Cmp::Plain(Op::Eq, ver(s)?)]]);
    }
    let mut out = Vec::new();
    let mut rest = s;
    while !rest.is_empty() {
        let open = rest
            .chars()
            .next()
            .ok_or_else(|| err("unexpected end".into()))?;
        if open != '[' && open != '(' {
            return Err(err(format!("expected '[' or '(' at {rest:?}")));
        }
        let close_at = rest
            .find([']', ')'])
            .ok_or_else(|| err("unclosed range".into()))?;
        let close = rest[close_at..].chars().next().unwrap_or(')');
        let inner = &rest[1..close_at];
        let set = match inner.split_once(',') {
            None => {
                if open != '[' || close != ']' {
                    return Err(err(format!("single version {inner:?} must use [ ]")));
                }
                vec![Cmp::Plain(Op::Eq, ver(inner.trim())?)]
            }
            Some((lo, hi)) => {
                let (lo, hi) = (lo.trim(), hi.trim());
                if hi.contains(',') {
                    return Err(err("more than two bounds in one range".into()));
                }
                let mut set = Vec::new();
                if !lo.is_empty() {
                    set.push(Cmp::Plain(
                        if open == '[' { Op::Ge } else { Op::Gt },
                        ver(lo)?,
                    ));
                }
                if !hi.is_empty() {
                    set.push(Cmp::Plain(
                        if close == ']' { Op::Le } else { Op::Lt },
                        ver(hi)?,
                    ));
                }
                if set.is_empty() {
                    set.push(Cmp::Any);
                }
                set
            }
        };
        out.push(set);
        rest = rest[close_at + 1..]
            .trim_start()
            .trim_start_matches(',')
            .trim_start();
    }
    Ok(out)
}

// ---------------------------------------------------------------- PyPI

fn pypi(s: &str, ver: &VerFn<'_>, err: &ErrFn<'_>) -> Result<Vec<Cmp>, VersionError> {
    let mut set = Vec::new();
    for clause in s.split(',') {
        let clause = clause.trim();
        if clause.is_empty() {
            continue;
        }
        let (op, rest) = split_op(clause);
        let rest = rest.trim();
        let op = op.unwrap_or("==");
        match op {
            "===" => set.push(Cmp::Arbitrary(rest.to_string())),
            "==" | "!=" if rest.ends_with(".*") => {
                let base = ver(&rest[..rest.len() - 2])?;
                let p = base
                    .py()
                    .filter(|p| !p.is_legacy())
                    .ok_or_else(|| err(format!("bad prefix {rest:?}")))?;
                let prefix = raw_release(&rest[..rest.len() - 2]);
                set.push(Cmp::PyPrefix {
                    negate: op == "!=",
                    epoch: p.epoch().cloned().unwrap_or(Num::ZERO),
                    prefix,
                });
            }
            "==" | "!=" => {
                let v = ver(rest)?;
                if v.py().is_some_and(|p| p.has_local()) {
                    set.push(Cmp::Plain(if op == "==" { Op::Eq } else { Op::Ne }, v));
                } else {
                    set.push(Cmp::PyEq {
                        negate: op == "!=",
                        v,
                    });
                }
            }
            "~=" => {
                let v = ver(rest)?;
                let rel = raw_release(rest);
                if rel.len() < 2 {
                    return Err(err("~= needs at least two release parts".into()));
                }
                let epoch = v.py().and_then(|p| p.epoch().cloned()).unwrap_or(Num::ZERO);
                set.push(Cmp::Plain(Op::Ge, v));
                set.push(Cmp::PyPrefix {
                    negate: false,
                    epoch,
                    prefix: rel[..rel.len() - 1].to_vec(),
                });
            }
            "<" => set.push(Cmp::PyLt(ver(rest)?)),
            ">" => set.push(Cmp::PyGt(ver(rest)?)),
            "<=" => set.push(Cmp::PyLe(ver(rest)?)),
            ">=" => set.push(Cmp::Plain(Op::Ge, ver(rest)?)),
            o => return Err(err(format!("operator {o:?} is not a PEP 440 operator"))),
        }
    }
    if set.is_empty() {
        set.push(Cmp::Any);
    }
    Ok(set)
}

/// The release numbers as written (trailing zeros kept), for prefix matching.
fn raw_release(s: &str) -> Vec<Num> {
    let s = s.trim().trim_start_matches(['v', 'V']);
    let s = s.split_once('!').map_or(s, |(_, r)| r);
    let end = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    s[..end]
        .split('.')
        .filter(|p| !p.is_empty())
        .map(Num::from_digits)
        .collect()
}

// ---------------------------------------------------------------- RubyGems

fn rubygems(s: &str, ver: &VerFn<'_>, err: &ErrFn<'_>) -> Result<Vec<Cmp>, VersionError> {
    let mut set = Vec::new();
    for clause in s.split(',') {
        let clause = clause.trim();
        if clause.is_empty() {
            continue;
        }
        let (op, rest) = split_op(clause);
        let rest = rest.trim();
        match op {
            Some("~>") => {
                let v = ver(rest)?;
                let bumped = crate::rubygems::bump(rest)
                    .ok_or_else(|| err(format!("cannot bump {rest:?}")))?;
                set.push(Cmp::Plain(Op::Ge, v));
                set.push(Cmp::GemReleaseLt(ver(&bumped)?));
            }
            None => set.push(Cmp::Plain(Op::Eq, ver(rest)?)),
            Some(o) => {
                let op = op_of(o)
                    .ok_or_else(|| err(format!("operator {o:?} is not a RubyGems operator")))?;
                set.push(Cmp::Plain(op, ver(rest)?));
            }
        }
    }
    if set.is_empty() {
        set.push(Cmp::Any);
    }
    Ok(set)
}
