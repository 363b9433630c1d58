#!/usr/bin/env bash
# Advisory DB tests (crates/trawl/tests/db): the independent feed counter runs on Debian's python3 with PyYAML;
# push/pull uses docker-registry (installed by 00-base.sh).
set -euo pipefail
if ! /usr/bin/python3 -c 'import yaml' 2>/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-yaml >/dev/null
fi
