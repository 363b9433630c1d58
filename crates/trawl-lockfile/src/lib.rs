//! Pure parsers for language lockfiles and installed metadata: bytes -> packages.
