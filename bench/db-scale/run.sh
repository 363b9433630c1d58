#!/usr/bin/env bash
# Full-scale advisory DB benchmark (issue #13): a full `trawl db build` from a generated corpus the size of
# the public feeds (500,000 OSV records over the real ecosystems' mix + a Debian tracker JSON with 100,000
# CVEs), then an incremental refresh (`db build --base`) applying the 1% of OSV records that changed.
# Wall time and peak RSS come from /usr/bin/time -v (Debian package `time`); sizes from the files.
# usage: bench/db-scale/run.sh [OUT_DIR]   (needs ../shared/data for the generator; release build)
set -euo pipefail
cd "$(dirname "$0")/../.."
out="${1:-target/db-scale/out}"
data=target/db-scale
mkdir -p "$out"
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 2; }
[ -f "$data/sizes.txt" ] || python3 bench/db-scale/generate.py --out "$data"
cargo build -q --release -p trawl
trawl=target/release/trawl

measure() { # NAME CMD...: runs CMD under time -v, prints wall seconds and peak RSS
  local name="$1"; shift
  /usr/bin/time -v "$@" > "$out/$name.json" 2> "$out/$name.time"
  local wall rss
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$out/$name.time")
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$out/$name.time")
  echo "$name: wall $wall, peak RSS $((rss / 1024)) MiB"
}

rm -f "$out/full.db" "$out/refreshed.db"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
measure full "$trawl" db build --format json -o "$out/full.db" \
  --source "osv=$data/osv" --source "debian-tracker=$data/debian/tracker.json"
measure refresh "$trawl" db build --format json -o "$out/refreshed.db" --base "$out/full.db" \
  --source "osv=$data/osv-delta"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"

raw=$(awk -F'\t' '$1 == "osv" || $1 == "debian" {s += $2} END {print s}' "$data/sizes.txt")
compact=$(awk -F'\t' '$1 == "osv (compact)" || $1 == "debian" {s += $2} END {print s}' "$data/sizes.txt")
db=$(stat -c %s "$out/full.db")
re=$(stat -c %s "$out/refreshed.db")
echo "raw JSON: $raw bytes as generated (OSV records indented as the templates), $compact bytes compact"
echo "DB: $db bytes = $(awk "BEGIN {printf \"%.1f\", $db * 100 / $raw}")% of raw, $(awk "BEGIN {printf \"%.1f\", $db * 100 / $compact}")% of compact"
echo "refreshed DB: $re bytes"
