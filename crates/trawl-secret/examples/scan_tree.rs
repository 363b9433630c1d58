//! Throughput of the scanner alone: reads every file under a directory into memory, then scans them all and
//! prints MiB/s and counts. `cargo run --release -p trawl-secret --example scan_tree -- DIR`
#![expect(clippy::print_stdout, reason = "an example that reports figures")]

use std::time::Instant;
use trawl_secret::{ScanOutcome, builtin};

fn walk(dir: &std::path::Path, out: &mut Vec<(String, Vec<u8>)>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        match e.file_type() {
            Ok(t) if t.is_dir() => walk(&p, out),
            Ok(t) if t.is_file() => {
                if let Ok(c) = std::fs::read(&p) {
                    out.push((p.display().to_string(), c));
                }
            }
            _ => {}
        }
    }
}

fn main() {
    let dir = std::env::args().nth(1).expect("usage: scan_tree DIR");
    let mut files = Vec::new();
    walk(std::path::Path::new(&dir), &mut files);
    let bytes: usize = files.iter().map(|f| f.1.len()).sum();
    let scanner = builtin();
    let t = Instant::now();
    let mut total = ScanOutcome::default();
    for (p, c) in &files {
        total.merge(scanner.scan_file(p.trim_start_matches('/'), c));
    }
    let s = t.elapsed().as_secs_f64();
    println!(
        "{} files, {:.1} MiB in {:.3} s = {:.0} MiB/s; scanned {}, binary {}, too large {}, allowed {}; {} findings",
        files.len(),
        bytes as f64 / 1048576.0,
        s,
        bytes as f64 / 1048576.0 / s,
        total.files_scanned,
        total.skipped_binary,
        total.skipped_too_large,
        total.skipped_allowed_path,
        total.findings.len()
    );
}
