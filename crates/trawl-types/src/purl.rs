//! Package URLs (<https://github.com/package-url/purl-spec>): `pkg:type/namespace/name@version?qualifiers#subpath`.
//!
//! One type for every purl trawl builds (from a package, [`Package::build_purl`](crate::Package::build_purl)) or
//! reads (ignore files, VEX documents, SBOMs). Its `Display` is the form trawl writes: components
//! percent-encoded (everything but `A-Za-z0-9-._~`, and `:` in the version and qualifier values, `/` in
//! qualifier values), qualifiers sorted. `FromStr` reads the spec's form: the scheme in any case, slashes after
//! it ignored, the type lower-cased, every component percent-decoded, qualifier keys lower-cased, qualifiers
//! with an empty value dropped, `.`/`..`/empty subpath segments dropped. serde uses the string form.
//!
//! Type-specific normalisations of the spec (lower-cased PyPI names...) are not applied: a purl reads back as
//! it was written.

use std::fmt;
use std::str::FromStr;

/// A package URL. Components are held decoded; `Display` encodes them.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Purl {
    /// Type (`deb`, `npm`, `maven`...), lower case.
    pub ty: String,
    /// Namespace (`debian`, Maven group, npm scope), `/`-separated segments.
    pub namespace: Option<String>,
    /// Name.
    pub name: String,
    /// Version (empty: none).
    pub version: String,
    /// Qualifiers (keys lower case), sorted by key when rendered.
    pub qualifiers: Vec<(String, String)>,
    /// Subpath inside the package (`/`-separated segments), when there is one.
    pub subpath: Option<String>,
}

impl Purl {
    /// A purl with no namespace, qualifiers or subpath.
    pub fn new(ty: &str, name: &str, version: &str) -> Self {
        Purl {
            ty: ty.to_owned(),
            namespace: None,
            name: name.to_owned(),
            version: version.to_owned(),
            qualifiers: Vec::new(),
            subpath: None,
        }
    }

    /// The value of qualifier `key` (lower case), if present.
    pub fn qualifier(&self, key: &str) -> Option<&str> {
        self.qualifiers
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// Percent-encodes a purl component: everything but unreserved characters (`A-Za-z0-9-._~`) is encoded;
/// `extra_safe` lists characters kept as they are (`/` in namespaces, `:` in some qualifier values).
pub fn purl_encode(s: &str, extra_safe: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        let c = b as char;
        if c.is_ascii_alphanumeric() || "-._~".contains(c) || extra_safe.contains(c) {
            out.push(c);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

impl fmt::Display for Purl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "pkg:{}/", self.ty)?;
        if let Some(ns) = &self.namespace {
            let segs: Vec<String> = ns.split('/').map(|s| purl_encode(s, "")).collect();
            write!(f, "{}/", segs.join("/"))?;
        }
        write!(f, "{}", purl_encode(&self.name, ""))?;
        if !self.version.is_empty() {
            write!(f, "@{}", purl_encode(&self.version, ":"))?;
        }
        let mut q = self.qualifiers.clone();
        q.sort();
        for (i, (k, v)) in q.iter().enumerate() {
            let sep = if i == 0 { '?' } else { '&' };
            write!(f, "{sep}{k}={}", purl_encode(v, ":/"))?;
        }
        if let Some(sub) = self.subpath.as_deref().filter(|s| !s.is_empty()) {
            let segs: Vec<String> = sub.split('/').map(|s| purl_encode(s, "")).collect();
            write!(f, "#{}", segs.join("/"))?;
        }
        Ok(())
    }
}

/// Why a string is not a purl.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid purl `{purl}`: {kind}")]
pub struct ParsePurlError {
    purl: String,
    kind: Box<PurlErrorKind>,
}

impl ParsePurlError {
    fn new(purl: &str, kind: PurlErrorKind) -> Self {
        ParsePurlError {
            purl: purl.to_owned(),
            kind: Box::new(kind),
        }
    }

    /// The string that was given.
    pub fn purl(&self) -> &str {
        &self.purl
    }

    /// What is wrong with it.
    pub fn kind(&self) -> &PurlErrorKind {
        &self.kind
    }
}

/// What is wrong with a purl.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PurlErrorKind {
    /// It does not start with `pkg:`.
    #[error("it does not start with `pkg:`")]
    MissingScheme,
    /// No `/` after the type, or an empty type.
    #[error("no type (expected pkg:TYPE/NAME)")]
    MissingType,
    /// The type has a character other than ASCII letters, digits, `.`, `+` and `-`.
    #[error("type `{0}` has a character other than A-Z, a-z, 0-9, `.`, `+`, `-`")]
    InvalidType(String),
    /// The name is empty.
    #[error("no name")]
    MissingName,
    /// A `%` not followed by two hexadecimal digits.
    #[error("`%` not followed by two hex digits in `{0}`")]
    InvalidPercentEncoding(String),
    /// A percent-decoded component is not UTF-8.
    #[error("`{0}` does not decode to UTF-8")]
    InvalidUtf8(String),
    /// A qualifier without `=`.
    #[error("qualifier `{0}` has no `=`")]
    QualifierWithoutValue(String),
    /// A qualifier key that is empty or has a character other than ASCII letters, digits, `.`, `-` and `_`.
    #[error("invalid qualifier key `{0}` (A-Z, a-z, 0-9, `.`, `-`, `_`)")]
    InvalidQualifierKey(String),
    /// The same qualifier key twice.
    #[error("qualifier `{0}` given twice")]
    DuplicateQualifier(String),
}

/// Percent-decodes one component.
fn decode(s: &str) -> Result<String, PurlErrorKind> {
    if !s.contains('%') {
        return Ok(s.to_owned());
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = b
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .filter(|h| h.bytes().all(|c| c.is_ascii_hexdigit()))
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| PurlErrorKind::InvalidPercentEncoding(s.to_owned()))?;
            out.push(hex);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| PurlErrorKind::InvalidUtf8(s.to_owned()))
}

/// `/`-separated segments, each decoded, empty ones (and `.`/`..` where `drop_dots`) dropped.
fn segments(s: &str, drop_dots: bool) -> Result<Vec<String>, PurlErrorKind> {
    s.split('/')
        .filter(|seg| !(seg.is_empty() || (drop_dots && matches!(*seg, "." | ".."))))
        .map(decode)
        .collect()
}

fn parse(s: &str) -> Result<Purl, PurlErrorKind> {
    let rest = match s.get(..4) {
        Some(scheme) if scheme.eq_ignore_ascii_case("pkg:") => &s[4..],
        _ => return Err(PurlErrorKind::MissingScheme),
    };
    let (rest, subpath) = match rest.rsplit_once('#') {
        Some((r, sub)) => {
            let segs = segments(sub, true)?;
            (r, (!segs.is_empty()).then(|| segs.join("/")))
        }
        None => (rest, None),
    };
    let (rest, query) = match rest.rsplit_once('?') {
        Some((r, q)) => (r, q),
        None => (rest, ""),
    };
    let mut qualifiers: Vec<(String, String)> = Vec::new();
    for q in query.split('&').filter(|q| !q.is_empty()) {
        let (k, v) = q
            .split_once('=')
            .ok_or_else(|| PurlErrorKind::QualifierWithoutValue(q.to_owned()))?;
        let key = k.to_ascii_lowercase();
        if key.is_empty()
            || !key
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || b".-_".contains(&c))
        {
            return Err(PurlErrorKind::InvalidQualifierKey(k.to_owned()));
        }
        if qualifiers.iter().any(|(have, _)| *have == key) {
            return Err(PurlErrorKind::DuplicateQualifier(key));
        }
        let value = decode(v)?;
        if !value.is_empty() {
            qualifiers.push((key, value));
        }
    }
    let rest = rest.trim_start_matches('/');
    let (ty, path) = rest.split_once('/').ok_or(PurlErrorKind::MissingType)?;
    if ty.is_empty() {
        return Err(PurlErrorKind::MissingType);
    }
    if !ty
        .bytes()
        .all(|c| c.is_ascii_alphanumeric() || b".+-".contains(&c))
    {
        return Err(PurlErrorKind::InvalidType(ty.to_owned()));
    }
    // The version follows the last `@`, unless that `@` opens a segment (an unencoded npm scope, `@babel/core`).
    let (path, version) = match path.rsplit_once('@') {
        Some((p, v)) if !p.is_empty() && !p.ends_with('/') => (p, decode(v)?),
        _ => (path, String::new()),
    };
    let mut segs = segments(path, false)?;
    let name = segs.pop().ok_or(PurlErrorKind::MissingName)?;
    if name.is_empty() {
        return Err(PurlErrorKind::MissingName);
    }
    Ok(Purl {
        ty: ty.to_ascii_lowercase(),
        namespace: (!segs.is_empty()).then(|| segs.join("/")),
        name,
        version,
        qualifiers,
        subpath,
    })
}

impl FromStr for Purl {
    type Err = ParsePurlError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse(s).map_err(|kind| ParsePurlError::new(s, kind))
    }
}

crate::strser::serde_as_str!(Purl, "a package URL (pkg:type/name@version)");

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Ecosystem, OsFamily, OsInfo, Package};

    #[test]
    fn deb_purl() {
        let p = Package {
            ecosystem: Some(Ecosystem::Deb),
            name: "libc6".into(),
            version: "2.36-9+deb12u14".into(),
            arch: Some("amd64".into()),
            source_name: Some("glibc".into()),
            ..Default::default()
        };
        let os = OsInfo {
            family: OsFamily::Debian,
            name: "12".into(),
            codename: None,
            pretty_name: None,
            eosl: None,
            eol: false,
        };
        assert_eq!(
            p.build_purl(Some(&os)).expect("deb purl").to_string(),
            "pkg:deb/debian/libc6@2.36-9%2Bdeb12u14?arch=amd64&distro=debian-12&upstream=glibc"
        );
    }

    #[test]
    fn npm_scoped() {
        let p = Package {
            ecosystem: Some(Ecosystem::Npm),
            name: "@babel/core".into(),
            version: "7.0.0".into(),
            ..Default::default()
        };
        assert_eq!(
            p.build_purl(None).expect("purl").to_string(),
            "pkg:npm/%40babel/core@7.0.0"
        );
    }

    fn parsed(s: &str) -> Purl {
        s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn components_are_decoded() {
        let p = parsed(
            "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&upstream=glibc&distro=debian-12",
        );
        assert_eq!(p.ty, "deb");
        assert_eq!(p.namespace.as_deref(), Some("debian"));
        assert_eq!(
            (p.name.as_str(), p.version.as_str()),
            ("libc6", "2.36-9+deb12u4")
        );
        assert_eq!(p.qualifier("upstream"), Some("glibc"));
        assert_eq!(p.qualifier("distro"), Some("debian-12"));
        assert_eq!(p.qualifier("epoch"), None);
        // Rendered canonically: encoded, qualifiers sorted.
        assert_eq!(
            p.to_string(),
            "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12&upstream=glibc"
        );

        let npm = parsed("pkg:npm/%40babel/traverse@7.22.5");
        assert_eq!(npm.namespace.as_deref(), Some("@babel"));
        assert_eq!(npm.name, "traverse");
        // An unencoded scope is a namespace, not a version.
        let npm = parsed("pkg:npm/@babel/core");
        assert_eq!(
            (
                npm.namespace.as_deref(),
                npm.name.as_str(),
                npm.version.as_str()
            ),
            (Some("@babel"), "core", "")
        );
        let go = parsed("pkg:golang/golang.org/x/net@v0.10.0");
        assert_eq!(go.namespace.as_deref(), Some("golang.org/x"));
        let spec =
            parsed("PKG://Maven/org.apache/commons-io@2.0?Type=jar&classifier=#/src/./main//x/../");
        assert_eq!(spec.ty, "maven");
        assert_eq!(spec.qualifiers, [("type".to_owned(), "jar".to_owned())]);
        assert_eq!(spec.subpath.as_deref(), Some("src/main/x"));
        assert_eq!(
            spec.to_string(),
            "pkg:maven/org.apache/commons-io@2.0?type=jar#src/main/x"
        );
        assert_eq!(parsed("pkg:generic/x#/").subpath, None);
    }

    #[test]
    fn display_and_parse_round_trip() {
        for s in [
            "pkg:deb/debian/zlib1g@1.2.13.dfsg-1?arch=amd64&distro=debian-12&epoch=1",
            "pkg:rpm/redhat/openssl-libs@1.0.2k-16.el7?arch=x86_64&epoch=1&upstream=openssl-1.0.2k-16.el7.src.rpm",
            "pkg:npm/%40babel/core@7.0.0",
            "pkg:golang/golang.org/x/net@v0.10.0",
            "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1",
            "pkg:pypi/django@4.2",
            "pkg:oci/debian@sha256:abc?arch=amd64&repository_url=docker.io/library/debian",
            "pkg:deb/debian/libc6@2.36?distro=debian-12&upstream=glibc%402.36-9",
            "pkg:generic/a%20b@1%2F2#dir/file%23x",
            "pkg:cargo/x",
        ] {
            let p = parsed(s);
            assert_eq!(p.to_string(), s);
            assert_eq!(parsed(&p.to_string()), p);
        }
    }

    #[test]
    fn serde_is_the_string() {
        let p = parsed("pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64");
        let json = serde_json::to_string(&p).expect("serialise");
        assert_eq!(
            json,
            r#""pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64""#
        );
        assert_eq!(serde_json::from_str::<Purl>(&json).expect("read back"), p);
        let err = serde_json::from_str::<Purl>(r#""npm/x""#).expect_err("no scheme");
        assert!(err.to_string().contains("invalid purl `npm/x`"), "{err}");
        assert!(serde_json::from_str::<Purl>("3").is_err());
    }

    #[test]
    fn bad_input_is_a_typed_error() {
        let kind = |s: &str| s.parse::<Purl>().expect_err(s).kind().clone();
        assert_eq!(kind("not a purl"), PurlErrorKind::MissingScheme);
        assert_eq!(kind(""), PurlErrorKind::MissingScheme);
        assert_eq!(kind("pkg"), PurlErrorKind::MissingScheme);
        assert_eq!(kind("pkg:npm"), PurlErrorKind::MissingType);
        assert_eq!(kind("pkg:/x"), PurlErrorKind::MissingType);
        assert_eq!(
            kind("pkg:n_pm/x"),
            PurlErrorKind::InvalidType("n_pm".into())
        );
        assert_eq!(kind("pkg:npm/"), PurlErrorKind::MissingName);
        assert_eq!(kind("pkg:npm//"), PurlErrorKind::MissingName);
        assert_eq!(kind("pkg:npm/?arch=x"), PurlErrorKind::MissingName);
        // An `@` that opens a segment is part of the name (an unencoded npm scope), not a version.
        assert_eq!(parsed("pkg:npm/ns/@1.0").name, "@1.0");
        assert_eq!(
            kind("pkg:npm/x%2"),
            PurlErrorKind::InvalidPercentEncoding("x%2".into())
        );
        assert_eq!(
            kind("pkg:npm/x%zz"),
            PurlErrorKind::InvalidPercentEncoding("x%zz".into())
        );
        assert_eq!(
            kind("pkg:npm/x%FF"),
            PurlErrorKind::InvalidUtf8("x%FF".into())
        );
        assert_eq!(
            kind("pkg:npm/x?arch"),
            PurlErrorKind::QualifierWithoutValue("arch".into())
        );
        assert_eq!(
            kind("pkg:npm/x?a%20b=1"),
            PurlErrorKind::InvalidQualifierKey("a%20b".into())
        );
        assert_eq!(
            kind("pkg:npm/x?a=1&A=2"),
            PurlErrorKind::DuplicateQualifier("a".into())
        );
        let e = "pkg:npm/x%2".parse::<Purl>().expect_err("bad");
        assert_eq!(e.purl(), "pkg:npm/x%2");
        assert_eq!(
            e.to_string(),
            "invalid purl `pkg:npm/x%2`: `%` not followed by two hex digits in `x%2`"
        );
        // Multi-byte characters around a `%` do not panic.
        assert!("pkg:npm/é%é".parse::<Purl>().is_err());
        assert!("pké:x/y".parse::<Purl>().is_err());
    }
}
