//! FIRST EPSS scores (<https://www.first.org/epss/>): `epss_scores-YYYY-MM-DD.csv[.gz]`, an optional
//! `#model_version:...,score_date:...` line, then `cve,epss,percentile`. Record unit: one data row. A file
//! whose header is not `cve,epss,percentile` has all its rows skipped (counted) since its columns cannot be
//! trusted.

use super::{InputFile, Sink, Stats};
use crate::DbError;

/// Reads EPSS CSV files from `location`.
pub(crate) fn read(location: &str, sink: &mut dyn Sink, stats: &mut Stats) -> Result<(), DbError> {
    let accept = |n: &str| n.ends_with(".csv");
    let mut files = Vec::new();
    super::for_each_input(location, &accept, &mut |f: InputFile| files.push(f), stats)?;
    for file in files {
        let text = String::from_utf8_lossy(&file.bytes);
        let mut lines = text.lines().filter(|l| !l.trim().is_empty()).peekable();
        if let Some(first) = lines.peek()
            && first.starts_with('#')
        {
            let date = first
                .trim_start_matches('#')
                .split(',')
                .find_map(|kv| kv.trim().strip_prefix("score_date:"))
                .map(str::to_owned);
            stats.saw_timestamp(date.as_deref());
            lines.next();
        }
        let header = lines.next().map(|h| h.trim().to_ascii_lowercase());
        if header.as_deref() != Some("cve,epss,percentile") {
            let n = lines.count();
            for _ in 0..n.max(1) {
                stats.skip(format!(
                    "{}: header is `{}`, expected `cve,epss,percentile`",
                    file.name,
                    header.as_deref().unwrap_or("")
                ));
            }
            continue;
        }
        for (i, line) in lines.enumerate() {
            let parts: Vec<&str> = line.split(',').map(str::trim).collect();
            let parsed = match parts.as_slice() {
                [cve, score, pct] if cve.starts_with("CVE-") => {
                    match (score.parse::<f64>(), pct.parse::<f64>()) {
                        (Ok(s), Ok(p)) if (0.0..=1.0).contains(&s) && (0.0..=1.0).contains(&p) => {
                            Some((*cve, s, p))
                        }
                        _ => None,
                    }
                }
                _ => None,
            };
            match parsed {
                Some((cve, s, p)) => {
                    stats.records += 1;
                    sink.epss(cve, s, p)?;
                }
                None => stats.skip(format!(
                    "{}: data row {}: bad EPSS row `{line}`",
                    file.name,
                    i + 1
                )),
            }
        }
    }
    Ok(())
}

/// Splits CSV text into records (RFC 4180 quoting: `"a, b"`, `""` inside quotes).
pub(crate) fn csv_records(text: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut in_quotes = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if in_quotes {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    field.push('"');
                    chars.next();
                } else {
                    in_quotes = false;
                }
            } else {
                field.push(c);
            }
            continue;
        }
        match c {
            '"' => in_quotes = true,
            ',' => row.push(std::mem::take(&mut field)),
            '\r' => {}
            '\n' => {
                row.push(std::mem::take(&mut field));
                if !(row.len() == 1 && row[0].is_empty()) {
                    out.push(std::mem::take(&mut row));
                } else {
                    row.clear();
                }
            }
            _ => field.push(c),
        }
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        out.push(row);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn csv_quotes() {
        let r = super::csv_records("a,\"b, c\",\"d \"\"e\"\"\"\n1,2,3\n");
        assert_eq!(r, vec![vec!["a", "b, c", "d \"e\""], vec!["1", "2", "3"]]);
    }
}
