//! Arbitrary-size non-negative integers written in decimal, as version components carry them.
//!
//! Ecosystems disagree on the width of numeric components (dpkg and rpm compare digit strings of any length, Python
//! uses big integers), so components are never parsed into a fixed-width integer that could overflow.

use std::cmp::Ordering;

/// A decimal number of any length, stored without leading zeros.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Num {
    /// Fits in a `u64` (at most 19 digits).
    Small(u64),
    /// More than 19 significant digits; always greater than any `Small`.
    Big(Box<str>),
}

impl Num {
    pub(crate) const ZERO: Num = Num::Small(0);

    /// Parses a string of ASCII digits (caller guarantees digits only; an empty string is zero).
    pub(crate) fn from_digits(s: &str) -> Num {
        let trimmed = s.trim_start_matches('0');
        if trimmed.len() <= 19 {
            let mut v: u64 = 0;
            for b in trimmed.bytes() {
                v = v * 10 + u64::from(b - b'0');
            }
            Num::Small(v)
        } else {
            Num::Big(trimmed.into())
        }
    }

    pub(crate) fn is_zero(&self) -> bool {
        matches!(self, Num::Small(0))
    }

    /// The value as `u64` if it fits.
    pub(crate) fn as_u64(&self) -> Option<u64> {
        match self {
            Num::Small(v) => Some(*v),
            Num::Big(_) => None,
        }
    }
}

impl Ord for Num {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Num::Small(a), Num::Small(b)) => a.cmp(b),
            (Num::Small(_), Num::Big(_)) => Ordering::Less,
            (Num::Big(_), Num::Small(_)) => Ordering::Greater,
            (Num::Big(a), Num::Big(b)) => a.len().cmp(&b.len()).then_with(|| a.cmp(b)),
        }
    }
}

impl PartialOrd for Num {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// True when `s` is non-empty and all ASCII digits.
pub(crate) fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn big_and_small() {
        assert!(Num::from_digits("18446744073709551616") > Num::from_digits("9999999999999999999"));
        assert_eq!(Num::from_digits("0007"), Num::Small(7));
        assert_eq!(Num::from_digits(""), Num::ZERO);
        assert!(
            Num::from_digits("99999999999999999999") < Num::from_digits("100000000000000000000")
        );
    }
}
