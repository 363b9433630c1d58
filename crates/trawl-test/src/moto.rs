//! moto's server mode (PyPI `moto[server]`, `.ci/setup.d/56-ecr.sh`) on 127.0.0.1 at a free port: the ECR and STS
//! APIs as AWS documents them, for discovery tests. Stopped on `Drop`.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Whether moto's server can run here.
pub fn available() -> bool {
    Command::new("python3")
        .args(["-c", "import moto.server, boto3, flask_cors"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Returns early from the calling test when moto is absent (failing under CI).
#[macro_export]
macro_rules! require_moto {
    () => {{
        if !$crate::moto::available() {
            assert!(
                std::env::var_os("CI").is_none(),
                "moto[server] missing under CI (run .ci/setup.d/56-ecr.sh)"
            );
            #[expect(clippy::print_stderr, reason = "test skip notice")]
            {
                eprintln!("skipping: moto[server] missing (run .ci/setup.d/56-ecr.sh)");
            }
            return;
        }
    }};
}

/// A running moto server.
#[derive(Debug)]
pub struct MotoServer {
    child: Child,
    port: u16,
}

impl MotoServer {
    /// Starts moto and waits until it answers.
    pub fn start() -> Self {
        for _ in 0..5 {
            let port = crate::registry::free_port();
            let mut child = Command::new("python3")
                .args([
                    "-m",
                    "moto.server",
                    "-H",
                    "127.0.0.1",
                    "-p",
                    &port.to_string(),
                ])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("start moto (run .ci/setup.d/56-ecr.sh)");
            let deadline = Instant::now() + Duration::from_secs(30);
            while Instant::now() < deadline {
                if child.try_wait().expect("poll moto").is_some() {
                    break;
                }
                if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    return MotoServer { child, port };
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        panic!("moto's server did not start");
    }

    /// `http://127.0.0.1:PORT`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for MotoServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
