//! Package URLs (<https://github.com/package-url/purl-spec>), built by hand: only what we emit.

use std::fmt;

/// A package URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Purl {
    /// Type (`deb`, `npm`, `maven`...).
    pub ty: String,
    /// Namespace (`debian`, Maven group, npm scope).
    pub namespace: Option<String>,
    /// Name.
    pub name: String,
    /// Version.
    pub version: String,
    /// Qualifiers, sorted by key when rendered.
    pub qualifiers: Vec<(String, String)>,
}

impl Purl {
    /// A purl with no namespace or qualifiers.
    pub fn new(ty: &str, name: &str, version: &str) -> Self {
        Purl {
            ty: ty.to_owned(),
            namespace: None,
            name: name.to_owned(),
            version: version.to_owned(),
            qualifiers: Vec::new(),
        }
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
        Ok(())
    }
}

#[cfg(test)]
mod tests {
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
}
