//! CVSS scores from vectors (the `cvss` crate: v2, v3.0, v3.1, v4.0).

use crate::model::SeverityEntry;
use std::str::FromStr;
use trawl_types::{Cvss, Severity};

/// The CVSS version of a vector.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CvssVersion {
    V2,
    V3,
    V4,
}

/// Version of a vector string, from its prefix (v2 vectors have none).
pub(crate) fn vector_version(vector: &str) -> Option<CvssVersion> {
    let v = vector.trim();
    if v.starts_with("CVSS:4") {
        Some(CvssVersion::V4)
    } else if v.starts_with("CVSS:3") {
        Some(CvssVersion::V3)
    } else if v.starts_with("AV:") || v.starts_with("(AV:") {
        Some(CvssVersion::V2)
    } else {
        None
    }
}

/// Base score of a CVSS vector, `None` if it does not parse.
pub(crate) fn base_score(vector: &str) -> Option<f64> {
    let v = vector.trim().trim_start_matches('(').trim_end_matches(')');
    let parsed = cvss::Cvss::from_str(v).ok()?;
    let s = parsed.score();
    s.is_finite().then_some(s)
}

/// Qualitative rating of a score in the vector's version (v2 has no Critical and no None).
pub(crate) fn rating(version: CvssVersion, score: f64) -> Severity {
    match version {
        CvssVersion::V2 => {
            if score >= 7.0 {
                Severity::High
            } else if score >= 4.0 {
                Severity::Medium
            } else {
                Severity::Low
            }
        }
        CvssVersion::V3 | CvssVersion::V4 => Severity::from_cvss_score(score),
    }
}

/// A severity entry for a vector from `source`; the score is computed from the vector, falling back to the
/// feed's own score when the vector does not parse.
pub(crate) fn entry_from_vector(
    source: &str,
    vector: &str,
    feed_score: Option<f64>,
) -> SeverityEntry {
    let version = vector_version(vector);
    let score = base_score(vector).or(feed_score);
    let severity = match (version, score) {
        (Some(v), Some(s)) => Some(rating(v, s)),
        _ => None,
    };
    SeverityEntry {
        source: source.to_owned(),
        vector: Some(vector.trim().to_owned()),
        score,
        severity,
    }
}

/// Folds severity entries of one source into a [`Cvss`] (latest wins per version).
pub(crate) fn add_to_cvss(cvss: &mut Cvss, e: &SeverityEntry) {
    let Some(vector) = &e.vector else { return };
    match vector_version(vector) {
        Some(CvssVersion::V2) => {
            cvss.v2_vector = Some(vector.clone());
            cvss.v2_score = e.score;
        }
        Some(CvssVersion::V3) => {
            cvss.v3_vector = Some(vector.clone());
            cvss.v3_score = e.score;
        }
        Some(CvssVersion::V4) => {
            cvss.v40_vector = Some(vector.clone());
            cvss.v40_score = e.score;
        }
        None => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores() {
        assert_eq!(
            base_score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H"),
            Some(10.0)
        );
        assert_eq!(base_score("AV:N/AC:L/Au:N/C:P/I:P/A:P"), Some(7.5));
        let v4 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N";
        assert_eq!(base_score(v4), Some(9.3));
        assert_eq!(base_score("garbage"), None);
        let e = entry_from_vector("nvd", "AV:N/AC:L/Au:N/C:P/I:P/A:P", None);
        assert_eq!(e.severity, Some(Severity::High));
    }
}
