//! npm ecosystem: package-lock.json / npm-shrinkwrap.json, yarn.lock, pnpm-lock.yaml, bun.lock and installed
//! `node_modules/**/package.json`.

pub mod bun_lock;
pub mod package_json;
pub mod package_lock;
pub mod pnpm_lock;
pub mod yarn_lock;

/// Splits `name@version` where the name may be scoped (`@scope/name@1.0.0`).
pub(crate) fn split_name_version(s: &str) -> Option<(&str, &str)> {
    let at = if let Some(rest) = s.strip_prefix('@') {
        rest.find('@').map(|i| i + 1)?
    } else {
        s.find('@')?
    };
    Some((&s[..at], &s[at + 1..]))
}

#[cfg(test)]
mod tests {
    use super::split_name_version;

    #[test]
    fn split() {
        assert_eq!(
            split_name_version("@babel/core@7.1.0"),
            Some(("@babel/core", "7.1.0"))
        );
        assert_eq!(split_name_version("ms@2.1.3"), Some(("ms", "2.1.3")));
        assert_eq!(split_name_version("ms"), None);
    }
}
