#!/usr/bin/env bash
# The one test command (README, CONTRIBUTING, `.ci/run`): installs what the tests need with the idempotent scripts
# of `.ci/setup.d/` (quick when everything is there), then runs the whole test suite. Extra arguments go to
# nextest (`scripts/test.sh -p trawl-report`).
set -euo pipefail
cd "$(dirname "$0")/.."
export SYFT_CHECK_FOR_APP_UPDATE=false

echo "== setup"
for s in .ci/setup.d/*.sh; do
  [ -e "$s" ] || continue
  echo "-- $s"
  bash "$s"
done

echo "== tests"
cargo nextest run --workspace --locked "$@"
