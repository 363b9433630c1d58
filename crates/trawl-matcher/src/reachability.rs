//! Go symbol reachability: are the vulnerable functions a go-vulndb record names linked into the binary?
//!
//! A Go record lists its vulnerable packages and symbols (`ecosystem_specific.imports`); a Go binary's pclntab
//! lists its functions (`Package::go_symbols`, per module). For a finding on a package from a Go binary:
//! - **reachable** when a listed symbol of a listed package is in the binary (the evidence names them); an import
//!   without symbols stands for its whole package: any function of the package counts;
//! - **not reachable** when the binary has a symbol table and none of them is in it, or when every import is
//!   limited to platforms (`goos`/`goarch`) other than the binary's;
//! - **unknown** when the binary has no readable symbol table, or the records list no imports.
//!
//! Packages not read from a binary (go.mod, SBOMs, other ecosystems) get no verdict.

use trawl_advisory::{AffectedRecord, GoImport};
use trawl_types::{GoSymbols, Package, Reachability, ReachabilityStatus};

/// Most found symbols named as evidence.
const MAX_EVIDENCE: usize = 16;

/// The reachability of a finding on `pkg` made of `records` (`None`: not assessed).
pub fn assess<'r>(
    pkg: &Package,
    records: impl IntoIterator<Item = &'r AffectedRecord>,
) -> Option<Reachability> {
    let syms = pkg.go_symbols.as_ref()?;
    let mut imports: Vec<&GoImport> = Vec::new();
    for r in records {
        for i in &r.go_imports {
            if !imports.contains(&i) {
                imports.push(i);
            }
        }
    }
    let verdict = |status, evidence: Vec<String>| Some(Reachability { status, evidence });
    if imports.is_empty() {
        return verdict(
            ReachabilityStatus::Unknown,
            vec!["the advisory lists no vulnerable symbols".to_owned()],
        );
    }
    if !syms.available() {
        return verdict(
            ReachabilityStatus::Unknown,
            vec!["no readable Go symbol table (pclntab) in the binary".to_owned()],
        );
    }
    let applies: Vec<&GoImport> = imports
        .iter()
        .copied()
        .filter(|i| on_platform(&i.goos, syms.goos.as_deref()))
        .filter(|i| on_platform(&i.goarch, syms.goarch.as_deref()))
        .collect();
    if applies.is_empty() {
        return verdict(
            ReachabilityStatus::NotReachable,
            vec![format!(
                "the vulnerable code is only built for other platforms than {}/{}",
                syms.goos.as_deref().unwrap_or("?"),
                syms.goarch.as_deref().unwrap_or("?")
            )],
        );
    }
    let mut found = Vec::new();
    let mut listed = 0;
    for i in &applies {
        found.extend(present(syms, i));
        listed += i.symbols.len().max(1);
    }
    if found.is_empty() {
        let paths: Vec<&str> = applies.iter().map(|i| i.path.as_str()).collect();
        return verdict(
            ReachabilityStatus::NotReachable,
            vec![format!(
                "none of the {listed} vulnerable symbol(s) of {} is in the binary",
                paths.join(", ")
            )],
        );
    }
    found.truncate(MAX_EVIDENCE);
    verdict(ReachabilityStatus::Reachable, found)
}

/// Whether a platform list (empty = every platform) includes the binary's (unknown = included).
fn on_platform(list: &[String], own: Option<&str>) -> bool {
    list.is_empty() || own.is_none_or(|o| list.iter().any(|x| x == o))
}

/// The listed symbols of `import` in the binary (for an import without symbols, the package itself).
fn present(syms: &GoSymbols, import: &GoImport) -> Vec<String> {
    if import.symbols.is_empty() {
        return if syms.has_package(&import.path) {
            vec![format!("{} (package)", import.path)]
        } else {
            Vec::new()
        };
    }
    import
        .symbols
        .iter()
        .map(|s| format!("{}.{s}", import.path))
        .filter(|n| syms.contains(n))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn record(imports: Vec<GoImport>) -> AffectedRecord {
        AffectedRecord {
            advisory_id: "GO-2024-2888".into(),
            aliases: Vec::new(),
            source: Arc::default(),
            namespace: Arc::from("Go"),
            namespace_variant: None,
            package: Arc::from("stdlib"),
            purl: None,
            ranges: Vec::new(),
            versions: trawl_advisory::Versions::default(),
            status: None,
            fixed_version: None,
            urgency: None,
            severity: None,
            vendor_status: None,
            note: None,
            go_imports: imports,
        }
    }

    fn import(path: &str, symbols: &[&str]) -> GoImport {
        GoImport {
            path: path.into(),
            symbols: symbols.iter().map(|s| (*s).to_owned()).collect(),
            ..GoImport::default()
        }
    }

    fn pkg(symbols: Option<GoSymbols>) -> Package {
        Package {
            name: "stdlib".into(),
            go_symbols: symbols,
            ..Package::default()
        }
    }

    fn status(p: &Package, r: &AffectedRecord) -> Option<ReachabilityStatus> {
        assess(p, [r]).map(|r| r.status)
    }

    #[test]
    fn verdicts() {
        let linux = || (Some("linux".to_owned()), Some("amd64".to_owned()));
        let (os, arch) = linux();
        let with_zip = pkg(Some(GoSymbols::from_names(
            os,
            arch,
            ["archive/zip.NewReader", "fmt.Println", "net/http.Client.Do"],
        )));
        let (os, arch) = linux();
        let without = pkg(Some(GoSymbols::from_names(os, arch, ["fmt.Println"])));
        let (os, arch) = linux();
        let stripped = pkg(Some(GoSymbols::unavailable(os, arch)));
        let zip = record(vec![import("archive/zip", &["NewReader", "OpenReader"])]);
        let got = assess(&with_zip, [&zip]).expect("assessed");
        assert_eq!(got.status, ReachabilityStatus::Reachable);
        assert_eq!(got.evidence, ["archive/zip.NewReader"]);
        assert_eq!(
            status(&without, &zip),
            Some(ReachabilityStatus::NotReachable)
        );
        assert_eq!(status(&stripped, &zip), Some(ReachabilityStatus::Unknown));
        // no imports listed: unknown; not from a binary: not assessed
        assert_eq!(
            status(&with_zip, &record(Vec::new())),
            Some(ReachabilityStatus::Unknown)
        );
        assert_eq!(status(&pkg(None), &zip), None);
        // a whole package
        assert_eq!(
            status(&with_zip, &record(vec![import("net/http", &[])])),
            Some(ReachabilityStatus::Reachable)
        );
        assert_eq!(
            status(&without, &record(vec![import("net/http", &[])])),
            Some(ReachabilityStatus::NotReachable)
        );
        // only on windows: not on this linux binary
        let win = record(vec![GoImport {
            goos: vec!["windows".into()],
            ..import("archive/zip", &["NewReader"])
        }]);
        assert_eq!(
            status(&with_zip, &win),
            Some(ReachabilityStatus::NotReachable)
        );
        // a method (pointer receivers are normalised away on both sides)
        assert_eq!(
            status(&with_zip, &record(vec![import("net/http", &["Client.Do"])])),
            Some(ReachabilityStatus::Reachable)
        );
    }
}
