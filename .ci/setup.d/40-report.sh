#!/usr/bin/env bash
# Tools the trawl-report tests validate against: jq (Trivy users' queries), Microsoft's SARIF Multitool (npm, with
# the OASIS SARIF 2.1.0 schema), markdown-it-py (GFM tables), xmllint (JUnit). The JSON-schema, CycloneDX and SPDX
# validators come from 00-base.sh. Idempotent and quick when everything is there.
set -euo pipefail
need_apt=()
command -v jq >/dev/null || need_apt+=(jq)
command -v xmllint >/dev/null || need_apt+=(libxml2-utils)
if [ ${#need_apt[@]} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
python3 -c 'import markdown_it' 2>/dev/null || python3 -m pip install -q --disable-pip-version-check markdown-it-py
tools=/opt/trawl-report-tools
multitool="$tools/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool"
if [ ! -x "$multitool" ]; then
  mkdir -p "$tools"
  (cd "$tools" && npm install --no-audit --no-fund --silent @microsoft/sarif-multitool-linux@5.7.0)
  chmod u+x "$multitool"
fi
