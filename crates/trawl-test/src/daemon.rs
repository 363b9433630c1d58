//! Real container daemons for tests: Debian's Docker Engine (`dockerd`, which starts its own containerd) and
//! Podman's API service (`podman system service`), each on a private unix socket with its data in a temporary
//! directory, stopped on `Drop`. Nothing of a system daemon is used or touched. They need root (as `.ci/run`
//! has); the tools come from `.ci/setup.d/55-daemons.sh`.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const DOCKERD: &str = "/usr/sbin/dockerd";
const DOCKER: &str = "/usr/bin/docker";
const PODMAN: &str = "/usr/bin/podman";

/// Why the daemon tests cannot run here (empty when they can).
pub fn tools_missing() -> Vec<&'static str> {
    let mut missing = Vec::new();
    for (bin, name) in [
        (DOCKERD, "docker.io"),
        (DOCKER, "docker.io (docker CLI)"),
        (PODMAN, "podman"),
    ] {
        if !Path::new(bin).is_file() && !missing.contains(&name) {
            missing.push(name);
        }
    }
    // dockerd and a rootful podman need root.
    let uid = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Uid:"))
                .and_then(|l| l.split_whitespace().next().map(str::to_owned))
        })
        .unwrap_or_default();
    if uid != "0" {
        missing.push("root");
    }
    missing
}

/// Returns early from the calling test when the daemons cannot run (failing under CI, which must have them via
/// `.ci/setup.d/55-daemons.sh` and runs as root).
#[macro_export]
macro_rules! require_daemon_tools {
    () => {{
        let missing = $crate::daemon::tools_missing();
        if !missing.is_empty() {
            assert!(
                std::env::var_os("CI").is_none(),
                "daemon test needs {missing:?} under CI (run .ci/setup.d/55-daemons.sh as root)"
            );
            #[expect(clippy::print_stderr, reason = "test skip notice")]
            {
                eprintln!("skipping: missing {missing:?} (run .ci/setup.d/55-daemons.sh as root)");
            }
            return;
        }
    }};
}

/// A daemon process and its private directory.
struct Daemon {
    child: Child,
    dir: tempfile::TempDir,
    socket: PathBuf,
}

impl Daemon {
    fn start(
        name: &str,
        mut cmd: Command,
        dir: tempfile::TempDir,
        socket: PathBuf,
        ready: impl Fn() -> bool,
    ) -> Self {
        let log_path = dir.path().join(format!("{name}.log"));
        let log = std::fs::File::create(&log_path).expect("daemon log");
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("dup log"))
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {name}: {e} (run .ci/setup.d/55-daemons.sh)"));
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if let Some(status) = child.try_wait().expect("poll daemon") {
                panic!(
                    "{name} exited ({status}):\n{}",
                    std::fs::read_to_string(&log_path).unwrap_or_default()
                );
            }
            if socket.exists() && ready() {
                return Daemon { child, dir, socket };
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!(
            "{name} did not become ready in 60 s:\n{}",
            std::fs::read_to_string(&log_path).unwrap_or_default()
        );
    }

    fn stop(&mut self) {
        // SIGTERM first: dockerd then stops its containerd and unmounts its data root.
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `cmd`, panicking with its output when it fails.
fn checked(cmd: &mut Command, what: &str) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A Docker Engine of its own: `dockerd --bridge=none --iptables=false` (no network setup on the host), data root,
/// exec root and socket in a temporary directory.
pub struct TestDocker {
    daemon: Daemon,
}

impl std::fmt::Debug for TestDocker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestDocker")
            .field("socket", &self.daemon.socket)
            .finish_non_exhaustive()
    }
}

impl TestDocker {
    /// Starts the daemon and waits until it answers.
    pub fn start() -> Self {
        // A short path: unix socket paths are limited to 108 bytes.
        let dir = tempfile::Builder::new()
            .prefix("trawl-dockerd.")
            .tempdir_in("/tmp")
            .expect("temp dir for dockerd");
        let socket = dir.path().join("docker.sock");
        let mut cmd = Command::new(DOCKERD);
        cmd.arg("--data-root")
            .arg(dir.path().join("data"))
            .arg("--exec-root")
            .arg(dir.path().join("exec"))
            .arg("--pidfile")
            .arg(dir.path().join("docker.pid"))
            .arg("--host")
            .arg(format!("unix://{}", socket.display()))
            .args(["--bridge=none", "--iptables=false", "--ip6tables=false"]);
        let host = format!("unix://{}", socket.display());
        let daemon = Daemon::start("dockerd", cmd, dir, socket, || {
            Command::new(DOCKER)
                .args(["-H", &host, "version"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        });
        TestDocker { daemon }
    }

    /// `unix:///tmp/.../docker.sock`: what `DOCKER_HOST` must say.
    pub fn host(&self) -> String {
        format!("unix://{}", self.daemon.socket.display())
    }

    /// A `docker` command talking to this daemon.
    pub fn cli(&self) -> Command {
        let mut c = Command::new(DOCKER);
        c.env("DOCKER_HOST", self.host())
            .env("DOCKER_CONFIG", self.daemon.dir.path().join("client"));
        c
    }

    /// `docker load -i ARCHIVE` (gzip'd archives too); returns the loaded references.
    pub fn load(&self, archive: &Path) -> Vec<String> {
        let out = checked(self.cli().arg("load").arg("-i").arg(archive), "docker load");
        out.lines()
            .filter_map(|l| l.strip_prefix("Loaded image: "))
            .map(str::to_owned)
            .collect()
    }

    /// `docker build --network none -t TAG DIR` (the context holds a `Dockerfile`).
    pub fn build(&self, context: &Path, tag: &str) {
        checked(
            self.cli()
                .args(["build", "--network", "none", "-q", "-t", tag])
                .arg(context),
            "docker build",
        );
    }

    /// `docker push REF` (loopback registries are plain HTTP for docker).
    pub fn push(&self, reference: &str) {
        checked(self.cli().args(["push", reference]), "docker push");
    }

    /// `docker tag SRC DST`.
    pub fn tag(&self, src: &str, dst: &str) {
        checked(self.cli().args(["tag", src, dst]), "docker tag");
    }
}

impl Drop for TestDocker {
    fn drop(&mut self) {
        self.daemon.stop();
        // Containers' and layers' mounts live under the data root; leave nothing mounted behind.
        let _ = Command::new("umount")
            .arg("-R")
            .arg(self.daemon.dir.path().join("data"))
            .stderr(Stdio::null())
            .status();
    }
}

/// Podman's Docker-compatible API service (`podman system service`), with its own storage (vfs driver: works
/// inside containers and on any filesystem) in a temporary directory.
pub struct TestPodman {
    daemon: Daemon,
}

impl std::fmt::Debug for TestPodman {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestPodman")
            .field("socket", &self.daemon.socket)
            .finish_non_exhaustive()
    }
}

fn podman_globals(cmd: &mut Command, dir: &Path) {
    cmd.arg("--root")
        .arg(dir.join("root"))
        .arg("--runroot")
        .arg(dir.join("run"))
        .args([
            "--storage-driver",
            "vfs",
            "--cgroup-manager",
            "cgroupfs",
            "--events-backend",
            "file",
        ]);
}

impl TestPodman {
    /// Starts the service and waits for its socket.
    pub fn start() -> Self {
        let dir = tempfile::Builder::new()
            .prefix("trawl-podman.")
            .tempdir_in("/tmp")
            .expect("temp dir for podman");
        let socket = dir.path().join("podman.sock");
        let mut cmd = Command::new(PODMAN);
        podman_globals(&mut cmd, dir.path());
        cmd.args(["system", "service", "--time=0"])
            .arg(format!("unix://{}", socket.display()));
        let daemon = Daemon::start("podman", cmd, dir, socket, || true);
        TestPodman { daemon }
    }

    /// `unix:///tmp/.../podman.sock`: what `CONTAINER_HOST` must say.
    pub fn host(&self) -> String {
        format!("unix://{}", self.daemon.socket.display())
    }

    /// A `podman` command using this service's storage.
    pub fn cli(&self) -> Command {
        let mut c = Command::new(PODMAN);
        podman_globals(&mut c, self.daemon.dir.path());
        c
    }

    /// `podman load -i ARCHIVE` (a gzip'd archive is decompressed first); returns the loaded references.
    pub fn load(&self, archive: &Path) -> Vec<String> {
        let bytes = std::fs::read(archive).expect("read archive");
        let tar = if bytes.starts_with(&[0x1f, 0x8b]) {
            crate::image::gunzip_file(archive)
        } else {
            bytes
        };
        let plain = self.daemon.dir.path().join("load.tar");
        std::fs::write(&plain, tar).expect("write archive");
        let out = checked(self.cli().arg("load").arg("-i").arg(&plain), "podman load");
        let _ = std::fs::remove_file(&plain);
        out.lines()
            .filter_map(|l| l.strip_prefix("Loaded image: "))
            .map(str::to_owned)
            .collect()
    }
}

impl Drop for TestPodman {
    fn drop(&mut self) {
        self.daemon.stop();
    }
}
