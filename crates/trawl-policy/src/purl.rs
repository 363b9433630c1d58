//! Purl constraint matching for ignore entries and VEX products.

struct Parts<'a> {
    ty: &'a str,
    namespace: String,
    name: String,
    version: Option<String>,
    qualifiers: Vec<(String, String)>,
}

fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn parse(p: &str) -> Option<Parts<'_>> {
    let rest = p.strip_prefix("pkg:")?;
    let rest = rest.split('#').next().unwrap_or(rest);
    let (rest, quals) = match rest.split_once('?') {
        Some((r, q)) => (r, q),
        None => (rest, ""),
    };
    let (ty, path) = rest.split_once('/')?;
    let (path, version) = match path.rsplit_once('@') {
        Some((p, v)) => (p, Some(decode(v))),
        None => (path, None),
    };
    let (namespace, name) = match path.rsplit_once('/') {
        Some((ns, n)) => (decode(ns), decode(n)),
        None => (String::new(), decode(path)),
    };
    let qualifiers = quals
        .split('&')
        .filter(|q| !q.is_empty())
        .filter_map(|q| {
            q.split_once('=')
                .map(|(k, v)| (k.to_ascii_lowercase(), decode(v)))
        })
        .collect();
    Some(Parts {
        ty,
        namespace,
        name,
        version,
        qualifiers,
    })
}

/// Whether `target` satisfies the constraint purl: type, namespace and name equal; version equal if the
/// constraint has one; every constraint qualifier present with the same value.
pub(crate) fn constraint_matches(constraint: &str, target: &str) -> bool {
    let (Some(c), Some(t)) = (parse(constraint), parse(target)) else {
        return false;
    };
    c.ty.eq_ignore_ascii_case(t.ty)
        && c.namespace.eq_ignore_ascii_case(&t.namespace)
        && c.name == t.name
        && c.version
            .as_ref()
            .is_none_or(|v| Some(v) == t.version.as_ref())
        && c.qualifiers.iter().all(|q| t.qualifiers.contains(q))
}

#[cfg(test)]
mod tests {
    use super::constraint_matches;

    #[test]
    fn constraints() {
        let t = "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12";
        assert!(constraint_matches("pkg:deb/debian/libc6", t));
        assert!(constraint_matches("pkg:deb/debian/libc6@2.36-9+deb12u4", t));
        assert!(constraint_matches("pkg:deb/debian/libc6?arch=amd64", t));
        assert!(!constraint_matches("pkg:deb/debian/libc6?arch=arm64", t));
        assert!(!constraint_matches("pkg:deb/debian/libc6@2.36-9", t));
        assert!(!constraint_matches("pkg:deb/ubuntu/libc6", t));
        assert!(constraint_matches(
            "pkg:npm/%40babel/core",
            "pkg:npm/%40babel/core@7.0.0"
        ));
    }
}
