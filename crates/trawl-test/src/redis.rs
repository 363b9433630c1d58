//! A real Redis for tests: Debian's `redis-server` on 127.0.0.1 at a free port, with its data (append-only file)
//! in a temporary directory, stopped on `Drop`. [`TestRedis::stop`] and [`TestRedis::start_again`] stop and start it on the same port and
//! data (the outage of the fault tests). Installed by `.ci/setup.d/70-server.sh`.

use crate::registry::free_port;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const REDIS_BIN: &str = "/usr/bin/redis-server";

/// Whether `redis-server` is installed.
pub fn available() -> bool {
    Path::new(REDIS_BIN).is_file()
}

/// A running `redis-server`, killed on drop.
pub struct TestRedis {
    child: Option<Child>,
    port: u16,
    dir: tempfile::TempDir,
}

impl std::fmt::Debug for TestRedis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestRedis")
            .field("port", &self.port)
            .finish_non_exhaustive()
    }
}

impl TestRedis {
    /// Starts a server on a free port.
    pub fn start() -> Self {
        let dir = tempfile::tempdir().expect("redis dir");
        let mut r = TestRedis {
            child: None,
            port: free_port(),
            dir,
        };
        r.launch();
        r
    }

    fn launch(&mut self) {
        let log = std::fs::File::create(self.dir.path().join("redis.log")).expect("redis log");
        let child = Command::new(REDIS_BIN)
            .args(["--bind", "127.0.0.1", "--port", &self.port.to_string()])
            .args([
                "--save",
                "",
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
            ])
            .arg("--dir")
            .arg(self.dir.path())
            .args(["--protected-mode", "no", "--daemonize", "no"])
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("dup log"))
            .stderr(log)
            .spawn()
            .expect("start redis-server");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if self.ping() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let log = std::fs::read_to_string(self.dir.path().join("redis.log")).unwrap_or_default();
        panic!("redis-server did not start:\n{log}");
    }

    /// Whether it answers `PING`.
    pub fn ping(&self) -> bool {
        let Ok(mut s) = TcpStream::connect(("127.0.0.1", self.port)) else {
            return false;
        };
        let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
        if s.write_all(b"PING\r\n").is_err() {
            return false;
        }
        let mut buf = [0u8; 7];
        s.read_exact(&mut buf).is_ok() && &buf == b"+PONG\r\n"
    }

    /// `KEYS pattern` (a test's small key space only).
    pub fn keys(&self, pattern: &str) -> Vec<String> {
        use std::io::BufRead;
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).expect("connect to redis");
        s.set_read_timeout(Some(Duration::from_secs(10)))
            .expect("timeout");
        write!(s, "*2\r\n$4\r\nKEYS\r\n${}\r\n{pattern}\r\n", pattern.len()).expect("send KEYS");
        let mut r = std::io::BufReader::new(s);
        let mut line = String::new();
        r.read_line(&mut line).expect("reply");
        let n: usize = line
            .trim_end()
            .strip_prefix('*')
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("KEYS reply {line:?}"));
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            line.clear();
            r.read_line(&mut line).expect("length");
            line.clear();
            r.read_line(&mut line).expect("key");
            out.push(line.trim_end().to_owned());
        }
        out
    }

    /// `redis://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Stops the server (data kept on disk).
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Starts it again on the same port and data.
    pub fn start_again(&mut self) {
        self.stop();
        self.launch();
    }
}

impl Drop for TestRedis {
    fn drop(&mut self) {
        self.stop();
    }
}
