//! `cargo bench -p trawl-advisory --bench lookup -- DB_FILE`: open the DB, then 10,000 `lookup` calls over the
//! (namespace, package) keys it holds (every key, cycled, in a fixed shuffled order). Prints timings and the
//! peak RSS. A benchmark, not a test: nothing is asserted.

#![expect(clippy::print_stdout, reason = "a benchmark prints its figures")]

use std::time::Instant;
use trawl_advisory::AdvisoryDb;

/// CPU time of this thread (ns), from /proc/thread-self/schedstat (the machine may be shared: wall time lies).
fn cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|n| n.parse().ok()))
        .unwrap_or(0)
}

fn main() {
    let Some(path) = std::env::args().skip(1).find(|a| !a.starts_with("--")) else {
        println!("usage: cargo bench -p trawl-advisory --bench lookup -- DB_FILE");
        return;
    };
    let path = std::path::PathBuf::from(path);
    let conn =
        rusqlite::Connection::open_with_flags(&path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .expect("DB opens");
    let mut keys: Vec<(String, String)> = conn
        .prepare("SELECT n.name, p.name FROM package p JOIN namespace n ON n.id = p.ns")
        .expect("query")
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("rows")
        .collect::<Result<_, _>>()
        .expect("rows");
    drop(conn);
    // Deterministic shuffle (xorshift).
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for i in (1..keys.len()).rev() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        keys.swap(i, (x % (i as u64 + 1)) as usize);
    }
    let t0 = Instant::now();
    let db = AdvisoryDb::open(&path).expect("opens");
    let open = t0.elapsed();
    let n = 10_000;
    // The machine may be shared: the same 10,000 lookups are timed in 7 passes (a fresh DB handle each, so
    // no pass profits from the previous one's block cache) and the median and best are reported.
    let mut walls = Vec::new();
    let mut cpus = Vec::new();
    let mut records = 0usize;
    for _ in 0..7 {
        let db = AdvisoryDb::open(&path).expect("opens");
        let t1 = Instant::now();
        let c1 = cpu_ns();
        records = 0;
        for i in 0..n {
            let (ns, name) = &keys[i % keys.len()];
            records += db.lookup(ns, name).expect("lookup").len();
        }
        walls.push(t1.elapsed().as_secs_f64() * 1e3);
        cpus.push((cpu_ns() - c1) as f64 / 1e6);
    }
    walls.sort_by(f64::total_cmp);
    cpus.sort_by(f64::total_cmp);
    let t2 = Instant::now();
    let c2 = cpu_ns();
    let mut misses = 0usize;
    for i in 0..n {
        misses += db
            .lookup("Debian:12", &format!("no-such-package-{i}"))
            .expect("lookup")
            .len();
    }
    let miss_time = t2.elapsed();
    let miss_cpu = cpu_ns() - c2;
    // Details, as a report asks for them: the advisories of the first 1,000 distinct hits, in lookup order
    // (fresh handle: its block cache starts empty).
    let mut ids: Vec<String> = Vec::new();
    for (ns, name) in &keys {
        for r in db.lookup(ns, name).expect("lookup") {
            if ids.len() < 1000 && !ids.contains(&r.advisory_id) {
                ids.push(r.advisory_id);
            }
        }
        if ids.len() >= 1000 {
            break;
        }
    }
    let db = AdvisoryDb::open(&path).expect("opens");
    let t3 = Instant::now();
    let mut found = 0usize;
    for id in &ids {
        found += usize::from(db.advisory(id).expect("details").is_some());
    }
    let details_time = t3.elapsed();
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let hwm = status
        .lines()
        .find(|l| l.starts_with("VmHWM"))
        .unwrap_or("VmHWM: ?")
        .to_owned();
    println!(
        "db: {} ({} distinct package keys)",
        path.display(),
        keys.len()
    );
    println!("open: {:.2} ms", open.as_secs_f64() * 1e3);
    println!(
        "{n} lookups (hits): median {:.1} ms wall, {:.1} ms CPU; best {:.1} ms wall, {:.1} ms CPU; {records} records returned",
        walls[3], cpus[3], walls[0], cpus[0]
    );
    println!(
        "{n} lookups (misses): {:.1} ms wall, {:.1} ms CPU ({misses} records)",
        miss_time.as_secs_f64() * 1e3,
        miss_cpu as f64 / 1e6
    );
    println!(
        "{} advisory details (distinct IDs of the first hits): {:.1} ms wall ({found} found)",
        ids.len(),
        details_time.as_secs_f64() * 1e3
    );
    println!("peak RSS: {}", hwm.trim_start_matches("VmHWM:").trim());
}
