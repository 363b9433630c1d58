//! Purl constraint matching for ignore entries and VEX products (the purls themselves are
//! [`trawl_types::Purl`]).

use trawl_types::Purl;

/// Whether `target` satisfies the constraint purl: type, namespace (in any case) and name equal; version equal
/// if the constraint has one; every constraint qualifier present with the same value. Subpaths are ignored.
pub(crate) fn constraint_matches(constraint: &Purl, target: &Purl) -> bool {
    let ns = |p: &Purl| p.namespace.clone().unwrap_or_default();
    constraint.ty == target.ty
        && ns(constraint).eq_ignore_ascii_case(&ns(target))
        && constraint.name == target.name
        && (constraint.version.is_empty() || constraint.version == target.version)
        && constraint
            .qualifiers
            .iter()
            .all(|q| target.qualifiers.contains(q))
}

#[cfg(test)]
mod tests {
    use super::constraint_matches;
    use trawl_types::Purl;

    fn matches(c: &str, t: &str) -> bool {
        let p = |s: &str| s.parse::<Purl>().expect("purl");
        constraint_matches(&p(c), &p(t))
    }

    #[test]
    fn constraints() {
        let t = "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12";
        assert!(matches("pkg:deb/debian/libc6", t));
        assert!(matches("pkg:deb/debian/libc6@2.36-9+deb12u4", t));
        assert!(matches("pkg:deb/debian/libc6?arch=amd64", t));
        assert!(!matches("pkg:deb/debian/libc6?arch=arm64", t));
        assert!(!matches("pkg:deb/debian/libc6@2.36-9", t));
        assert!(!matches("pkg:deb/ubuntu/libc6", t));
        assert!(matches(
            "pkg:npm/%40babel/core",
            "pkg:npm/%40babel/core@7.0.0"
        ));
    }
}
