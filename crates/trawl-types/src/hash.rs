//! FNV-1a: a small hash that is stable across builds, Rust releases and platforms (the std `DefaultHasher` is
//! not), for anything persisted or compared between runs: cache-key parts, SARIF/GitLab fingerprints, DB row
//! IDs, temporary-file tags.

const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const PRIME: u64 = 0x0000_0100_0000_01b3;

/// A 64-bit FNV-1a hasher.
///
/// ```
/// use trawl_types::hash::Fnv1a;
/// assert_eq!(Fnv1a::new().update(b"a").finish(), 0xaf63_dc4c_8601_ec8c);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fnv1a(u64);

impl Default for Fnv1a {
    fn default() -> Self {
        Self::new()
    }
}

impl Fnv1a {
    /// A hasher over nothing yet.
    pub const fn new() -> Self {
        Fnv1a(OFFSET)
    }

    /// Adds `bytes`.
    pub fn update(mut self, bytes: &[u8]) -> Self {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(PRIME);
        }
        self
    }

    /// The 64-bit hash.
    pub const fn finish(self) -> u64 {
        self.0
    }

    /// The hash folded to 32 bits (high half XOR low half).
    pub const fn finish_u32(self) -> u32 {
        (self.0 ^ (self.0 >> 32)) as u32
    }

    /// The 64-bit hash as 16 lowercase hex digits.
    pub fn hex(self) -> String {
        format!("{:016x}", self.0)
    }
}

/// 64-bit FNV-1a of `bytes`.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    Fnv1a::new().update(bytes).finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        // Published FNV-1a 64 test vectors.
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a(b"foobar"), 0x8594_4171_f739_67e8);
        assert_eq!(
            Fnv1a::new().update(b"foo").update(b"bar").finish(),
            fnv1a(b"foobar")
        );
        assert_eq!(Fnv1a::new().update(b"a").hex(), "af63dc4c8601ec8c");
        let h = fnv1a(b"a");
        assert_eq!(
            Fnv1a::new().update(b"a").finish_u32(),
            (h ^ (h >> 32)) as u32
        );
    }
}
