#!/usr/bin/env bash
# Short fuzz run of every trawl-version fuzz target (default 15 s each). Needs a nightly toolchain and cargo-fuzz;
# exits 0 with a notice when they are missing, non-zero when a target finds a crash (artifact path printed).
#   crates/trawl-version/scripts/fuzz_smoke.sh [SECONDS]
set -uo pipefail
secs=${1:-15}
cd "$(dirname "$0")/../fuzz"
if ! cargo +nightly --version >/dev/null 2>&1 || ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  echo "fuzz_smoke: no nightly toolchain or cargo-fuzz; skipped" >&2
  exit 0
fi
target_dir=../../../target/fuzz-build
cargo +nightly fuzz build --target-dir "$target_dir" || exit 1
failed=0
for t in $(cargo +nightly fuzz list); do
  if out=$(cargo +nightly fuzz run --target-dir "$target_dir" "$t" -- -max_total_time="$secs" -rss_limit_mb=1024 2>&1); then
    echo "$t: $(grep -E '^Done' <<<"$out" | tail -1)"
  else
    echo "$t: FAILED"; tail -40 <<<"$out"; failed=1
  fi
done
exit $failed
