#!/usr/bin/env bash
# trawl server tests: Debian's redis-server and PostgreSQL. Nothing is started here: each test starts its own
# redis-server and its own PostgreSQL cluster (initdb + pg_ctl, as the postgres user under root) on free ports in
# temporary directories (crates/trawl-test/src/{redis,postgres}.rs), so no system service is needed or touched.
set -euo pipefail
need_apt=()
[ -x /usr/bin/redis-server ] || need_apt+=(redis-server)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need_apt+=(postgresql)
if [ ${#need_apt[@]} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi
# The Debian packages start system services on install; the tests do not use them.
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
  systemctl stop redis-server postgresql >/dev/null 2>&1 || true
fi
# The OpenAPI conformance check (crates/trawl/tests/server/conformance.py) reads the spec's YAML.
python3 -c 'import yaml, jsonschema' 2>/dev/null || python3 -m pip install -q --disable-pip-version-check pyyaml jsonschema
# Schemathesis (PyPI) fuzzes the Harbor API against its OpenAPI document (crates/trawl/tests/server/schemathesis.rs),
# in a virtualenv of its own so its dependencies do not move the system Python's.
ST_VENV=/opt/trawl-schemathesis
if [ ! -x "$ST_VENV/bin/st" ]; then
  python3 -m venv "$ST_VENV"
  "$ST_VENV/bin/pip" install -q --disable-pip-version-check 'schemathesis>=4,<5'
fi
