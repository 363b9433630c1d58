//! Pure parsers for OS package databases (dpkg, apk, rpm sqlite/bdb/ndb) and os-release.
