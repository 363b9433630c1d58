#!/usr/bin/env bash
# Language-package tests: the real tools (Go toolchain from Debian, poetry and uv from PyPI; npm, cargo, mvn/java
# are already present) and the real fixtures they generate into target/lang-fixtures (skipped when present).
set -euo pipefail
cd "$(dirname "$0")/../.."
need_apt=()
command -v go >/dev/null || need_apt+=(golang-go)
# tests/goreach compares symbol reachability with govulncheck -mode=binary (Debian: govulncheck)
command -v govulncheck >/dev/null || need_apt+=(govulncheck)
command -v bundle >/dev/null || need_apt+=(ruby-bundler)
if [ ${#need_apt[@]} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
need_pip=()
command -v poetry >/dev/null || need_pip+=(poetry)
command -v uv >/dev/null || need_pip+=(uv)
command -v pipenv >/dev/null || need_pip+=(pipenv)
if [ ${#need_pip[@]} -gt 0 ]; then
  python3 -m pip install -q --disable-pip-version-check "${need_pip[@]}"
fi
crates/trawl-lockfile/scripts/make-fixtures.sh target/lang-fixtures
