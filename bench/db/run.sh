#!/usr/bin/env bash
# Advisory DB benchmark: build time, DB size vs raw feed size (all shared feeds; go-vulndb alone), peak RSS of
# the build; then open + 10,000 package lookups (hits over every package key, and misses) on the built DB.
# usage: bench/db/run.sh [OUT_DIR]   (needs ../shared/data; release build)
set -euo pipefail
cd "$(dirname "$0")/../.."
out="${1:-$(mktemp -d)}"
mkdir -p "$out"
cargo bench -q -p trawl-advisory --bench build -- "$out"
cargo bench -q -p trawl-advisory --bench lookup -- "$out/all.db"
cargo bench -q -p trawl-advisory --bench lookup -- "$out/go.db"
