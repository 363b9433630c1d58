//! Which tag of the base's line removes the most of the base's findings.

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use trawl_types::Severity;

/// A finding as advice counts it: the vulnerability, the package it is in, its severity.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct FindingKey {
    /// The vulnerability ID.
    pub id: String,
    /// The package name.
    pub pkg_name: String,
    /// Its severity.
    pub severity: Severity,
}

/// What moving the base to one candidate would change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// The candidate (`registry/debian:12.8`).
    pub reference: String,
    /// Other tags of the same image (`12`, `bookworm` for `12.8`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub same_image: Vec<String>,
    /// The base's findings the candidate does not have.
    pub removes: Vec<FindingKey>,
    /// The candidate's findings the base does not have.
    pub adds: Vec<FindingKey>,
    /// `removes` counted by severity (`HIGH: 4`).
    pub removes_by_severity: BTreeMap<Severity, usize>,
    /// `adds` counted by severity.
    pub adds_by_severity: BTreeMap<Severity, usize>,
}

fn by_severity(keys: &[FindingKey]) -> BTreeMap<Severity, usize> {
    let mut m = BTreeMap::new();
    for k in keys {
        *m.entry(k.severity).or_default() += 1;
    }
    m
}

impl Change {
    /// Compares the base's findings with a candidate's (the same vulnerability in the same package is the same
    /// finding, whatever its version or severity there).
    pub fn between(reference: &str, base: &[FindingKey], candidate: &[FindingKey]) -> Change {
        let key = |k: &FindingKey| (k.id.clone(), k.pkg_name.clone());
        let in_base: BTreeSet<_> = base.iter().map(key).collect();
        let in_cand: BTreeSet<_> = candidate.iter().map(key).collect();
        let mut removes: Vec<FindingKey> = base
            .iter()
            .filter(|k| !in_cand.contains(&key(k)))
            .cloned()
            .collect();
        let mut adds: Vec<FindingKey> = candidate
            .iter()
            .filter(|k| !in_base.contains(&key(k)))
            .cloned()
            .collect();
        removes.sort();
        removes.dedup();
        adds.sort();
        adds.dedup();
        Change {
            reference: reference.to_owned(),
            same_image: Vec::new(),
            removes_by_severity: by_severity(&removes),
            adds_by_severity: by_severity(&adds),
            removes,
            adds,
        }
    }

    /// Net removals per severity, most severe first: what ranking compares.
    fn score(&self) -> Vec<i64> {
        Severity::ALL
            .iter()
            .rev()
            .map(|s| {
                let r = self.removes_by_severity.get(s).copied().unwrap_or(0) as i64;
                let a = self.adds_by_severity.get(s).copied().unwrap_or(0) as i64;
                r - a
            })
            .collect()
    }

    /// `removes 23 (4 HIGH, 19 MEDIUM), adds 1 (1 LOW)`.
    pub fn describe(&self) -> String {
        format!(
            "removes {}{}, adds {}{}",
            self.removes.len(),
            severities(&self.removes),
            self.adds.len(),
            severities(&self.adds)
        )
    }
}

/// ` (4 HIGH, 19 MEDIUM)`: the findings counted by severity, most severe first; empty for none.
pub fn severities(keys: &[FindingKey]) -> String {
    if keys.is_empty() {
        return String::new();
    }
    let counts: Vec<String> = by_severity(keys)
        .iter()
        .rev()
        .map(|(s, n)| format!("{n} {s}"))
        .collect();
    format!(" ({})", counts.join(", "))
}

/// Orders candidates best first: net removals compared severity by severity (CRITICAL first), then fewer
/// additions; equal candidates keep their order (newest first as [`crate::tags::upgrades`] gives them).
pub fn rank(changes: &mut [Change]) {
    changes.sort_by(|a, b| {
        b.score()
            .cmp(&a.score())
            .then(a.adds.len().cmp(&b.adds.len()))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(id: &str, pkg: &str, severity: Severity) -> FindingKey {
        FindingKey {
            id: id.to_owned(),
            pkg_name: pkg.to_owned(),
            severity,
        }
    }

    #[test]
    fn compares_and_ranks() {
        let base = [
            k("CVE-1", "openssl", Severity::High),
            k("CVE-2", "zlib", Severity::Medium),
            k("CVE-3", "curl", Severity::Critical),
        ];
        let a = Change::between("r:12.8", &base, &[k("CVE-3", "curl", Severity::Critical)]);
        assert_eq!(a.removes.len(), 2);
        assert_eq!(a.describe(), "removes 2 (1 HIGH, 1 MEDIUM), adds 0");
        let b = Change::between("r:12.9", &base, &[k("CVE-9", "bash", Severity::Low)]);
        assert_eq!(
            b.describe(),
            "removes 3 (1 CRITICAL, 1 HIGH, 1 MEDIUM), adds 1 (1 LOW)"
        );
        let c = Change::between("r:12.7", &base, &base);
        assert_eq!(c.describe(), "removes 0, adds 0");
        let mut all = vec![c, a, b];
        rank(&mut all);
        let order: Vec<_> = all.iter().map(|c| c.reference.as_str()).collect();
        assert_eq!(order, ["r:12.9", "r:12.8", "r:12.7"]);
    }
}
