//! CVE JSON 5 records (<https://github.com/CVEProject/cve-schema>), as in the cvelistV5 repository: title,
//! description, CWE, references, and the CVSS metrics of the CNA (`cve-cna`) and of ADP containers
//! (`cve-adp`; CISA's ADP also flags KEV entries). Record unit: one CVE record. They enrich advisories of
//! other feeds through CVE IDs, and their `affected[]` products are records of the `cpe` namespace
//! ([`super::cpe`]), which binaries found outside package managers are matched against.

use super::{Sink, Stats};
use crate::DbError;
use crate::model::{Advisory, AdvisoryDoc};
use crate::score::entry_from_vector;
use serde_json::Value;
use trawl_types::DataSourceId;

/// Reads CVE JSON 5 records from `location`.
pub(crate) fn read(location: &str, sink: &mut dyn Sink, stats: &mut Stats) -> Result<(), DbError> {
    for (name, doc) in super::json_documents(location, stats)? {
        let Some(id) = doc
            .pointer("/cveMetadata/cveId")
            .and_then(Value::as_str)
            .filter(|i| i.starts_with("CVE-"))
        else {
            stats.skip(format!(
                "{}: no cveMetadata.cveId: not a CVE JSON 5 record",
                name
            ));
            continue;
        };
        stats.records += 1;
        let updated = doc
            .pointer("/cveMetadata/dateUpdated")
            .and_then(Value::as_str)
            .map(str::to_owned);
        stats.saw_timestamp(updated.as_deref());
        let rejected =
            doc.pointer("/cveMetadata/state").and_then(Value::as_str) == Some("REJECTED");
        let cna = doc.pointer("/containers/cna");
        let mut affected = Vec::new();
        let mut d = AdvisoryDoc {
            published: doc
                .pointer("/cveMetadata/datePublished")
                .and_then(Value::as_str)
                .map(str::to_owned),
            modified: updated.clone(),
            withdrawn: if rejected {
                updated.clone().or_else(|| Some(String::new()))
            } else {
                None
            },
            ..AdvisoryDoc::default()
        };
        if let Some(cna) = cna {
            d.summary = cna.get("title").and_then(Value::as_str).map(str::to_owned);
            d.details = super::english_description(cna.get("descriptions"));
            collect_container(cna, "cve-cna", &mut d);
            super::cpe::from_cve5(cna, &mut affected);
        }
        for adp in doc
            .pointer("/containers/adp")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            collect_container(adp, "cve-adp", &mut d);
            super::cpe::from_cve5(adp, &mut affected);
            for m in adp
                .get("metrics")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if m.pointer("/other/type").and_then(Value::as_str) == Some("kev") {
                    let added = m
                        .pointer("/other/content/dateAdded")
                        .and_then(Value::as_str);
                    sink.kev(id, added, None)?;
                }
            }
        }
        sink.advisory(Advisory {
            id: id.to_owned(),
            source: DataSourceId::Cve5,
            doc: d,
            affected: if rejected { Vec::new() } else { affected },
        })?;
    }
    Ok(())
}

fn collect_container(c: &Value, source: &str, d: &mut AdvisoryDoc) {
    for m in c
        .get("metrics")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        for key in ["cvssV2_0", "cvssV3_0", "cvssV3_1", "cvssV4_0"] {
            if let Some(v) = m.get(key)
                && let Some(vector) = v.get("vectorString").and_then(Value::as_str)
            {
                d.add_severity(entry_from_vector(
                    source,
                    vector,
                    v.get("baseScore").and_then(Value::as_f64),
                ));
            }
        }
    }
    for pt in c
        .get("problemTypes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        for desc in pt
            .get("descriptions")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(cwe) = desc.get("cweId").and_then(Value::as_str) {
                d.add_cwe(cwe);
            }
        }
    }
    for r in c
        .get("references")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(url) = r.get("url").and_then(Value::as_str) {
            d.add_reference(url);
        }
    }
}
