//! NVD CVE API 2.0 JSON (<https://nvd.nist.gov/developers/vulnerabilities>): the response of
//! `/rest/json/cves/2.0` (`vulnerabilities[].cve`). Primary (NVD's own) metrics are stored as source `nvd`,
//! secondary ones (CNAs scoring through NVD) as `nvd-secondary`. `cisaExploitAdd` marks a KEV entry.
//! Record unit: one `vulnerabilities[]` item. `configurations` (vulnerable CPE matches with version ranges)
//! become records of the `cpe` namespace ([`super::cpe`]).

use super::{Sink, Stats};
use crate::DbError;
use crate::model::{Advisory, AdvisoryDoc};
use crate::score::entry_from_vector;
use serde_json::Value;
use trawl_types::DataSourceId;

/// Reads NVD API 2.0 responses from `location`.
pub(crate) fn read(location: &str, sink: &mut dyn Sink, stats: &mut Stats) -> Result<(), DbError> {
    for (name, doc) in super::json_documents(location, stats)? {
        let Some(vulns) = doc.get("vulnerabilities").and_then(Value::as_array) else {
            stats.skip(format!(
                "{}: no `vulnerabilities` array: not an NVD API 2.0 response",
                name
            ));
            continue;
        };
        stats.saw_timestamp(doc.get("timestamp").and_then(Value::as_str));
        for (i, v) in vulns.iter().enumerate() {
            let Some(cve) = v.get("cve") else {
                stats.skip(format!("{}: vulnerabilities[{i}] has no `cve`", name));
                continue;
            };
            let Some(id) = cve
                .get("id")
                .and_then(Value::as_str)
                .filter(|i| i.starts_with("CVE-"))
            else {
                stats.skip(format!("{}: vulnerabilities[{i}] has no CVE ID", name));
                continue;
            };
            stats.records += 1;
            let modified = cve
                .get("lastModified")
                .and_then(Value::as_str)
                .map(str::to_owned);
            let rejected = cve.get("vulnStatus").and_then(Value::as_str) == Some("Rejected");
            let mut d = AdvisoryDoc {
                details: super::english_description(cve.get("descriptions")),
                published: cve
                    .get("published")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
                withdrawn: if rejected { modified.clone() } else { None },
                modified,
                ..AdvisoryDoc::default()
            };
            if let Some(metrics) = cve.get("metrics").and_then(Value::as_object) {
                for list in metrics.values().filter_map(Value::as_array) {
                    for m in list {
                        let source = if m.get("type").and_then(Value::as_str) == Some("Primary") {
                            "nvd"
                        } else {
                            "nvd-secondary"
                        };
                        if let Some(vector) =
                            m.pointer("/cvssData/vectorString").and_then(Value::as_str)
                        {
                            d.add_severity(entry_from_vector(
                                source,
                                vector,
                                m.pointer("/cvssData/baseScore").and_then(Value::as_f64),
                            ));
                        }
                    }
                }
            }
            for w in cve
                .get("weaknesses")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                for desc in w
                    .get("description")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    if let Some(cwe) = desc
                        .get("value")
                        .and_then(Value::as_str)
                        .filter(|c| c.starts_with("CWE-"))
                    {
                        d.add_cwe(cwe);
                    }
                }
            }
            for r in cve
                .get("references")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if let Some(url) = r.get("url").and_then(Value::as_str) {
                    d.add_reference(url);
                }
            }
            if let Some(added) = cve.get("cisaExploitAdd").and_then(Value::as_str) {
                sink.kev(id, Some(added), None)?;
            }
            let mut affected = Vec::new();
            if !rejected {
                super::cpe::from_nvd(cve, &mut affected);
            }
            sink.advisory(Advisory {
                id: id.to_owned(),
                source: DataSourceId::Nvd,
                doc: d,
                affected,
            })?;
        }
    }
    Ok(())
}
