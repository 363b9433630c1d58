//! Property tests: for every scheme the order is total (antisymmetric, transitive, consistent with equality) on
//! generated versions, and no input (version, range expression, OSV events) panics.

use proptest::prelude::*;
use std::cmp::Ordering;
use trawl_version::{Event, OsvRange, RangeKind, Scheme, Version, affected, parse_constraint};

/// A version-shaped string for `scheme`, from a small alphabet so that equal and near-equal versions are common.
fn version_like(scheme: Scheme) -> BoxedStrategy<String> {
    let pattern = match scheme {
        Scheme::Deb => {
            r"([0-2]:)?[0-9]{1,2}(\.[0-9]{1,2}){0,2}(~|\+|\.|~~)?[a-c0-2~]{0,3}(-[0-9a-z.+~]{1,4})?"
        }
        Scheme::Apk => {
            r"[0-9]{1,2}(\.[0-9]{1,2}){0,2}[a-c]?(_(alpha|beta|pre|rc|p|cvs|git|x)[0-9]?){0,2}(~[0-9a-f]{1,3})?(-r[0-9]{0,2})?[-.a-zA-Z0-9_]{0,2}"
        }
        Scheme::Rpm => r"([0-2a]:)?[0-9a-b]{1,2}([._~^+][0-9a-b]{1,2}){0,3}(-[0-9a-z.~^_]{0,4})?",
        Scheme::Pep440 => {
            r"v?([0-2]!)?[0-9]{1,2}(\.[0-9]{1,2}){0,2}((a|b|rc|c|alpha|pre)[0-9]?)?(\.post[0-9]?|-[0-9])?(\.dev[0-9]?)?(\+[a-z0-9]{1,3}(\.[a-z0-9]{1,2})?)?|[a-z0-9.-]{1,6}"
        }
        Scheme::Npm | Scheme::Go | Scheme::Cargo | Scheme::Hex | Scheme::Pub => {
            r"v?[0-9]{1,2}(\.[0-9]{1,2}){0,3}(-[0-9a-zA-Z-]{1,3}(\.[0-9a-zA-Z-]{1,3}){0,2})?(\+[0-9a-z]{1,3}(\.[0-9a-z]{1,2})?)?"
        }
        // Maven's own order is not transitive on degenerate strings (`a < 0snapshot < -` yet `a > -`, also so
        // in Maven itself), so versions here start with a number and have no empty parts.
        Scheme::Maven => {
            r"[0-9]{1,2}([.-][0-9a-z]{1,3}){0,4}|[0-9]{1,2}(\.[0-9]{1,2}){0,2}(-|\.)?(alpha|beta|rc|cr|sp|ga|final|snapshot|milestone|a|b|m|x)?[0-9]?(-[0-9a-z]{1,2})?"
        }
        Scheme::RubyGems => r"[0-9]{1,2}(\.[0-9a-c]{1,2}){0,3}(-[0-9a-c]{1,2}(\.[0-9a-c]{1,2})?)?",
        Scheme::NuGet => {
            r"[0-9]{1,2}(\.[0-9]{1,2}){0,3}(-[0-9a-cA-C-]{1,3}(\.[0-9a-cA-C]{1,2}){0,2})?(\+[0-9a-z]{1,3})?"
        }
        // `#` ranks like any number in PHP's scheme (`1.# = 1.1` and `1.# = 1.2`), which no order can make
        // transitive; real versions never contain it.
        Scheme::Packagist => {
            r"v?[0-9]{1,2}([._+-]?([0-9]{1,2}|dev|alpha|a|beta|b|rc|RC|pl|p|patch|x|é)){0,4}"
        }
        Scheme::Cran => r"[0-9]{1,2}([.-][0-9]{1,2}){0,3}",
        Scheme::Hackage => r"[0-9]{1,2}(\.[0-9]{1,2}){0,3}",
        Scheme::Generic => r"v?[0-9a-cA-C]{1,2}([._~+-][0-9a-c]{1,2}){0,3}",
        Scheme::Upstream => r"v?[0-9]{1,2}([._~+-]?([0-9]{1,2}|[a-cw]|rc|ea|alpha)){0,4}",
    };
    prop::string::string_regex(pattern)
        .expect("valid pattern")
        .boxed()
}

fn scheme() -> impl Strategy<Value = Scheme> {
    prop::sample::select(Scheme::ALL.to_vec())
}

/// A scheme and three versions of it that parse.
fn triple() -> impl Strategy<Value = (Scheme, Version, Version, Version)> {
    scheme().prop_flat_map(|s| {
        let v = version_like(s);
        (Just(s), v.clone(), v.clone(), v).prop_filter_map("all three parse", |(s, a, b, c)| {
            Some((s, s.parse(&a).ok()?, s.parse(&b).ok()?, s.parse(&c).ok()?))
        })
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    #[test]
    fn order_is_total((s, a, b, c) in triple()) {
        // Reflexive and antisymmetric.
        prop_assert_eq!(a.cmp(&a), Ordering::Equal, "{}: {} vs itself", s, a);
        prop_assert_eq!(a.cmp(&b), b.cmp(&a).reverse(), "{}: {} vs {}", s, a, b);
        // Consistent with equality.
        prop_assert_eq!(a == b, a.cmp(&b) == Ordering::Equal);
        if a == b {
            prop_assert_eq!(a.cmp(&c), b.cmp(&c), "{}: {} = {} but they differ against {}", s, a, b, c);
        }
        // Transitive.
        if a <= b && b <= c {
            prop_assert!(a <= c, "{}: {} <= {} <= {} but not {} <= {}", s, a, b, c, a, c);
        }
        if a >= b && b >= c {
            prop_assert!(a >= c, "{}: {} >= {} >= {} but not {} >= {}", s, a, b, c, a, c);
        }
    }

    #[test]
    fn no_version_input_panics(s in scheme(), text in any::<String>(), bytes in prop::collection::vec(any::<u8>(), 0..40)) {
        let lossy = String::from_utf8_lossy(&bytes).into_owned();
        for input in [text.as_str(), lossy.as_str()] {
            if let Ok(v) = s.parse(input) {
                let _ = v.cmp(&v);
                let _ = v.is_prerelease();
            }
        }
    }

    #[test]
    fn no_range_input_panics(s in scheme(), text in r"[<>=!~^*|, ()\[\]0-9a-z.+-]{0,24}", v in r"[0-9.a-z-]{1,8}") {
        if let Ok(c) = parse_constraint(s, &text) {
            let _ = c.matches_str(&v);
        }
    }

    #[test]
    fn no_osv_input_panics(
        s in scheme(),
        v in r"[0-9.a-z~+-]{1,8}",
        events in prop::collection::vec((0u8..4, r"[0-9.a-z*~+-]{1,6}"), 0..6),
        kind in 0u8..3,
        listed in prop::collection::vec(r"[0-9.a-z-]{1,6}", 0..3),
    ) {
        let events = events
            .into_iter()
            .map(|(k, t)| match k {
                0 => Event::Introduced(t),
                1 => Event::Fixed(t),
                2 => Event::LastAffected(t),
                _ => Event::Limit(t),
            })
            .collect();
        let kind = [RangeKind::Ecosystem, RangeKind::Semver, RangeKind::Git][usize::from(kind)];
        let _ = affected(s, &v, &[OsvRange { kind, events }], &listed);
    }
}
