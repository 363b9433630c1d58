#!/usr/bin/env bash
# Daemon tests: Debian's Docker Engine (docker.io: dockerd, containerd, runc, the docker CLI) and Podman. Nothing is
# started here: each test starts its own dockerd / `podman system service` on a private socket and data root
# (crates/trawl-test/src/daemon.rs), so no system daemon is needed or touched.
set -euo pipefail
need_apt=()
[ -x /usr/sbin/dockerd ] || need_apt+=(docker.io)
[ -x /usr/bin/podman ] || need_apt+=(podman)
if [ ${#need_apt[@]} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi
