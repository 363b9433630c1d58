#!/usr/bin/env bash
# Tools for the CI-integration tests: headless Chromium (markdown summary rendering), xmllint (JUnit XSD), jq
# (action outputs), cmarkgfm (GitHub's own Markdown renderer, cmark-gfm).
set -euo pipefail
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v xmllint >/dev/null || need+=(libxml2-utils)
command -v jq >/dev/null || need+=(jq)
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
python3 -c 'import cmarkgfm' 2>/dev/null || python3 -m pip install -q --disable-pip-version-check cmarkgfm
