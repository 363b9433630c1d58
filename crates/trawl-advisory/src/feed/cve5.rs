//! CVE JSON 5 records (<https://github.com/CVEProject/cve-schema>), as in the cvelistV5 repository: title,
//! description, CWE, references, and the CVSS metrics of the CNA (`cve-cna`) and of ADP containers
//! (`cve-adp`; CISA's ADP also flags KEV entries). Record unit: one CVE record. These records carry no
//! package ranges: they enrich advisories of other feeds through CVE IDs.

use super::{InputFile, Sink, Stats};
use crate::DbError;
use crate::model::{Advisory, AdvisoryDoc, SeverityEntry};
use crate::score::entry_from_vector;
use serde_json::Value;

/// Reads CVE JSON 5 records from `location`.
pub(crate) fn read(location: &str, sink: &mut dyn Sink, stats: &mut Stats) -> Result<(), DbError> {
    let mut files = Vec::new();
    super::for_each_input(
        location,
        &super::is_json,
        &mut |f: InputFile| files.push(f),
        stats,
    )?;
    for file in files {
        let doc: Value = match serde_json::from_slice(&file.bytes) {
            Ok(v) => v,
            Err(e) => {
                stats.skip(format!("{}: bad JSON: {e}", file.name));
                continue;
            }
        };
        let Some(id) = doc
            .pointer("/cveMetadata/cveId")
            .and_then(Value::as_str)
            .filter(|i| i.starts_with("CVE-"))
        else {
            stats.skip(format!(
                "{}: no cveMetadata.cveId: not a CVE JSON 5 record",
                file.name
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
            d.details = english(cna.get("descriptions"));
            collect_container(cna, "cve-cna", &mut d);
        }
        for adp in doc
            .pointer("/containers/adp")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            collect_container(adp, "cve-adp", &mut d);
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
            source: "cve5".to_owned(),
            doc: d,
            affected: Vec::new(),
        })?;
    }
    Ok(())
}

fn english(descs: Option<&Value>) -> Option<String> {
    let arr = descs?.as_array()?;
    arr.iter()
        .find(|d| {
            d.get("lang")
                .and_then(Value::as_str)
                .is_some_and(|l| l.starts_with("en"))
        })
        .or_else(|| arr.first())
        .and_then(|d| d.get("value"))
        .and_then(Value::as_str)
        .map(str::to_owned)
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
                {
                    let e: SeverityEntry = entry_from_vector(
                        source,
                        vector,
                        v.get("baseScore").and_then(Value::as_f64),
                    );
                    if !d.severity.contains(&e) {
                        d.severity.push(e);
                    }
                }
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
            if let Some(cwe) = desc.get("cweId").and_then(Value::as_str)
                && !d.cwes.iter().any(|x| x == cwe)
            {
                d.cwes.push(cwe.to_owned());
            }
        }
    }
    for r in c
        .get("references")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(url) = r.get("url").and_then(Value::as_str)
            && !d.references.iter().any(|x| x == url)
        {
            d.references.push(url.to_owned());
        }
    }
}
