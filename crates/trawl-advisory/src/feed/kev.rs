//! CISA Known Exploited Vulnerabilities catalog (<https://www.cisa.gov/known-exploited-vulnerabilities-catalog>):
//! the JSON feed (`vulnerabilities[].cveID`) or its CSV twin. Record unit: one catalog entry.

use super::{InputFile, Sink, Stats};
use crate::DbError;
use serde_json::Value;

/// Reads a KEV catalog from `location`.
pub(crate) fn read(location: &str, sink: &mut dyn Sink, stats: &mut Stats) -> Result<(), DbError> {
    let accept = |n: &str| super::is_json(n) || n.ends_with(".csv");
    let mut files = Vec::new();
    super::for_each_input(location, &accept, &mut |f: InputFile| files.push(f), stats)?;
    for file in files {
        if file.name.to_ascii_lowercase().ends_with(".csv") {
            read_csv(&file, sink, stats)?;
            continue;
        }
        let doc: Value = match serde_json::from_slice(&file.bytes) {
            Ok(v) => v,
            Err(e) => {
                stats.skip(format!("{}: bad JSON: {e}", file.name));
                continue;
            }
        };
        let Some(vulns) = doc.get("vulnerabilities").and_then(Value::as_array) else {
            stats.skip(format!(
                "{}: no `vulnerabilities` array: not a KEV catalog",
                file.name
            ));
            continue;
        };
        stats.saw_timestamp(doc.get("dateReleased").and_then(Value::as_str));
        for (i, v) in vulns.iter().enumerate() {
            match v
                .get("cveID")
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|c| c.starts_with("CVE-"))
            {
                Some(cve) => {
                    stats.records += 1;
                    sink.kev(
                        cve,
                        v.get("dateAdded").and_then(Value::as_str),
                        v.get("knownRansomwareCampaignUse").and_then(Value::as_str),
                    )?;
                }
                None => stats.skip(format!("{}: vulnerabilities[{i}] has no CVE ID", file.name)),
            }
        }
    }
    Ok(())
}

fn read_csv(file: &InputFile, sink: &mut dyn Sink, stats: &mut Stats) -> Result<(), DbError> {
    let text = String::from_utf8_lossy(&file.bytes);
    let mut rows = crate::feed::epss::csv_records(&text).into_iter();
    let Some(header) = rows.next() else {
        return Ok(());
    };
    let col = |name: &str| header.iter().position(|h| h.trim() == name);
    let Some(cve_col) = col("cveID") else {
        stats.skip(format!("{}: no cveID column: not a KEV catalog", file.name));
        return Ok(());
    };
    let (date_col, ransom_col) = (col("dateAdded"), col("knownRansomwareCampaignUse"));
    for (i, row) in rows.enumerate() {
        match row
            .get(cve_col)
            .map(|c| c.trim())
            .filter(|c| c.starts_with("CVE-"))
        {
            Some(cve) => {
                stats.records += 1;
                let get = |c: Option<usize>| c.and_then(|c| row.get(c)).map(String::as_str);
                sink.kev(cve, get(date_col), get(ransom_col))?;
            }
            None => stats.skip(format!("{}: row {} has no CVE ID", file.name, i + 2)),
        }
    }
    Ok(())
}
