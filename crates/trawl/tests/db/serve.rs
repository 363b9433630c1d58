//! A real HTTP server for the tests (tiny_http on 127.0.0.1, a free port): serves a directory, answers
//! `/status/NNN/...` with that status (the faults a healthy server cannot show: 429, 5xx, 404), counts hits.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

pub(crate) enum Mode {
    Files(PathBuf),
    /// Accepts the connection, then answers nothing for this long (a server that hangs).
    Stall(std::time::Duration),
}

pub(crate) struct Server {
    port: u16,
    hits: Arc<Mutex<HashMap<String, usize>>>,
    server: Arc<tiny_http::Server>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    pub(crate) fn start(mode: Mode) -> Server {
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").expect("bind 127.0.0.1"));
        let port = server.server_addr().to_ip().expect("ip listener").port();
        let hits: Arc<Mutex<HashMap<String, usize>>> = Arc::default();
        let (s, h) = (server.clone(), hits.clone());
        let thread = std::thread::spawn(move || {
            for req in s.incoming_requests() {
                let path = req.url().split('?').next().unwrap_or("/").to_owned();
                *h.lock().expect("lock").entry(path.clone()).or_default() += 1;
                match &mode {
                    Mode::Files(root) => {
                        let _ = req.respond(respond(root, &path));
                    }
                    Mode::Stall(d) => {
                        std::thread::sleep(*d);
                        let _ = req.respond(tiny_http::Response::from_string("too late"));
                    }
                }
            }
        });
        Server {
            port,
            hits,
            server,
            thread: Some(thread),
        }
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub(crate) fn hits(&self, path: &str) -> usize {
        self.hits
            .lock()
            .expect("lock")
            .get(path)
            .copied()
            .unwrap_or(0)
    }

    pub(crate) fn total_hits(&self) -> usize {
        self.hits.lock().expect("lock").values().sum()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn respond(root: &Path, path: &str) -> tiny_http::Response<std::io::Cursor<Vec<u8>>> {
    if let Some(rest) = path.strip_prefix("/status/") {
        let code: u16 = rest
            .split('/')
            .next()
            .and_then(|c| c.parse().ok())
            .unwrap_or(500);
        return tiny_http::Response::from_string(format!("status {code}")).with_status_code(code);
    }
    let rel = path.trim_start_matches('/');
    let decoded = rel.replace("%20", " ");
    if decoded.split('/').any(|c| c == "..") {
        return tiny_http::Response::from_string("no").with_status_code(403);
    }
    match std::fs::read(root.join(decoded)) {
        Ok(bytes) => tiny_http::Response::from_data(bytes),
        Err(_) => tiny_http::Response::from_string("not found").with_status_code(404),
    }
}

/// Writes `<ECOSYSTEM>/all.zip` (records grouped by their first affected ecosystem) and `ecosystems.txt`.
pub(crate) fn make_osv_bucket(bucket: &Path, sources: &[PathBuf]) -> Vec<String> {
    let mut groups: std::collections::BTreeMap<String, Vec<(String, Vec<u8>)>> = Default::default();
    let mut modified: std::collections::BTreeMap<String, Vec<(String, String)>> =
        Default::default();
    for src in sources {
        let mut files: Vec<PathBuf> = walk(src);
        files.sort();
        for f in files
            .into_iter()
            .filter(|f| f.extension().is_some_and(|e| e == "json"))
        {
            let bytes = std::fs::read(&f).expect("read");
            let v: serde_json::Value = serde_json::from_slice(&bytes).expect("OSV JSON");
            let eco = v["affected"][0]["package"]["ecosystem"]
                .as_str()
                .unwrap_or("unknown")
                .to_owned();
            let name = format!("{}.json", v["id"].as_str().expect("id"));
            modified.entry(eco.clone()).or_default().push((
                v["modified"].as_str().unwrap_or_default().to_owned(),
                v["id"].as_str().expect("id").to_owned(),
            ));
            groups.entry(eco).or_default().push((name, bytes));
        }
    }
    let mut ecosystems = Vec::new();
    for (eco, mut files) in groups {
        files.sort();
        let dir = bucket.join(&eco);
        std::fs::create_dir_all(&dir).expect("mkdir");
        let mut zw =
            zip::ZipWriter::new(std::fs::File::create(dir.join("all.zip")).expect("create"));
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, bytes) in files {
            zw.start_file(name, opts).expect("zip entry");
            zw.write_all(&bytes).expect("zip write");
        }
        zw.finish().expect("zip finish");
        // As the bucket publishes it: `modified,id`, newest first.
        let mut rows = modified.remove(&eco).unwrap_or_default();
        rows.sort();
        rows.reverse();
        let csv: String = rows.iter().map(|(m, id)| format!("{m},{id}\n")).collect();
        std::fs::write(dir.join("modified_id.csv"), csv).expect("write");
        ecosystems.push(eco);
    }
    std::fs::write(bucket.join("ecosystems.txt"), ecosystems.join("\n") + "\n").expect("write");
    ecosystems
}

fn walk(p: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(p).expect("readable dir").flatten() {
        let path = e.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// A plain HTTP/1.0 GET on 127.0.0.1 with an `Accept` header; returns the body.
pub(crate) fn get_with_accept(url: &str, accept: &str) -> String {
    let rest = url.strip_prefix("http://").expect("http URL");
    let (host, path) = rest.split_once('/').expect("path");
    let mut s = std::net::TcpStream::connect(host).expect("connect");
    write!(
        s,
        "GET /{path} HTTP/1.0\r\nHost: {host}\r\nAccept: {accept}\r\n\r\n"
    )
    .expect("send");
    let mut resp = String::new();
    s.read_to_string(&mut resp).expect("read");
    resp.split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default()
}
