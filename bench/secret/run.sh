#!/usr/bin/env bash
# Secret-scanning cost (issue 9): wall time and peak RSS of `trawl image` with `--scanners vuln` against
# `--scanners vuln,secret` (and `secret` alone), release build, cold layer cache every run, same DB, same images:
#   1. big-1GiB: the >= 1 GiB OCI layout of real layers built by bench/inventory/make_big_image.py
#      (12 variants of debian-bookworm-slim + every alpine minirootfs);
#   2. big-app: bench/scan's app image (Debian + real wheels + a real 1,300-package node_modules tree: text-heavy,
#      the worst case for a secret scanner), when bench/scan/run.sh has built it;
#   3. debian-bookworm-slim.
# Target: vuln,secret <= 1.5x vuln on the >= 1 GiB image.
#
# Usage: bench/secret/run.sh [RUNS]   (RUNS per scenario, default 3: median wall, max RSS)
# Env:   TRAWL_SHARED_DATA (default ../shared/data)
# Output: a markdown table on stdout and in bench/out/secret/secret.md; raw logs in bench/out/secret/logs/.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
RUNS=${1:-3}
DATA=${TRAWL_SHARED_DATA:-$ROOT/../shared/data}
ADV=$DATA/advisories
OUT=$ROOT/bench/out/secret
LOGS=$OUT/logs
mkdir -p "$LOGS"
rm -f "$LOGS"/*.log
export NO_COLOR=1
unset GITHUB_STEP_SUMMARY TRAWL_LOG

cargo build --release -p trawl >&2
TRAWL=$ROOT/target/release/trawl

# The advisory DB: Debian and Alpine feeds (the images are Debian and Alpine), so the vuln scan does real matching.
DB=$OUT/os.db
if [ ! -f "$DB" ]; then
  "$TRAWL" db build -q -o "$DB" \
    --source "alpine-secdb=$ADV/alpine/alpine-secdb" \
    --source "debian-tracker=$ADV/debian/cve-list-excerpt" \
    --source "debian-tracker=$ADV/debian/security-tracker-mirror" \
    --source "debian-tracker=$ADV/debian/vuln-list-debian/tracker" \
    --source "osv=$ADV/ghsa/advisories" \
    --source "osv=$ADV/pypa-advisory-db/vulns" >/dev/null
fi

BIG=$ROOT/bench/out/big-oci
[ -f "$BIG/index.json" ] || python3 bench/inventory/make_big_image.py "$DATA" "$BIG" >&2
images=("big-1GiB=$BIG")
[ -f "$ROOT/bench/out/scan/big-app.tar" ] && images+=("big-app=$ROOT/bench/out/scan/big-app.tar")
images+=("debian-bookworm-slim=$DATA/images/debian-bookworm-slim.tar.gz")

# measure NAME CMD...: RUNS cold runs (empty cache each); prints "median_wall_s max_rss_kib"
measure() {
  local name=$1; shift
  local walls=() rss=0 cache
  cache=$(mktemp -d)
  for i in $(seq "$RUNS"); do
    rm -rf "${cache:?}"/*
    local log=$LOGS/$name.$i.log
    /usr/bin/time -v "$@" --cache-dir "$cache" >"$LOGS/$name.$i.out" 2>"$log" || { echo "FAILED: $name ($log)" >&2; tail -5 "$log" >&2; exit 1; }
    local w r
    w=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(k=1;k<=n;k++) s=s*60+a[k]; print s}' "$log")
    r=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log")
    walls+=("$w"); [ "$r" -gt "$rss" ] && rss=$r
  done
  rm -rf "$cache"
  local med
  med=$(printf '%s\n' "${walls[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  echo "$med $rss"
}

rows=()
for spec in "${images[@]}"; do
  label=${spec%%=*}; input=${spec#*=}
  size=$(python3 - "$input" <<'PY'
import gzip, json, os, sys
p = sys.argv[1]
def blob_size(path):
    with open(path, "rb") as f:
        magic = f.read(2)
    if magic == b"\x1f\x8b":
        n = 0
        with gzip.open(path, "rb") as g:
            while True:
                b = g.read(1 << 20)
                if not b: break
                n += len(b)
        return n
    return os.path.getsize(path)
if os.path.isdir(p):
    idx = json.load(open(os.path.join(p, "index.json")))
    d = idx["manifests"][0]["digest"].split(":")[1]
    m = json.load(open(os.path.join(p, "blobs", "sha256", d)))
    print(sum(blob_size(os.path.join(p, "blobs", "sha256", l["digest"].split(":")[1])) for l in m["layers"]))
else:
    print(blob_size(p))
PY
)
  common=(image --input "$input" --db "$DB" --skip-db-update --format json -q)
  vuln=$(measure "$label-vuln" "$TRAWL" "${common[@]}" --scanners vuln)
  both=$(measure "$label-vuln-secret" "$TRAWL" "${common[@]}" --scanners vuln,secret)
  sec=$(measure "$label-secret" "$TRAWL" "${common[@]}" --scanners secret)
  nsec=$(jq '[.results[].secrets // [] | length] | add // 0' "$LOGS/$label-vuln-secret.1.out")
  rows+=("$label $size $vuln $both $sec $nsec")
done

{
  echo "## Secret scanning cost: trawl image, cold cache (median of $RUNS runs; RSS = max)"
  echo
  echo "| image | uncompressed layers | vuln | vuln,secret | ratio | secret only | RSS vuln | RSS vuln,secret | secrets found |"
  echo "|---|---|---|---|---|---|---|---|---|"
  for r in "${rows[@]}"; do
    read -r label size vw vr bw br sw sr nsec <<<"$r"
    awk -v l="$label" -v sz="$size" -v vw="$vw" -v vr="$vr" -v bw="$bw" -v br="$br" -v sw="$sw" -v n="$nsec" 'BEGIN {
      printf "| %s | %.0f MiB | %.2f s | %.2f s | %.2fx | %.2f s | %.0f MiB | %.0f MiB | %s |\n",
        l, sz/1048576, vw, bw, bw/vw, sw, vr/1024, br/1024, n }'
  done
  echo
  echo "Machine: $(nproc) CPUs; trawl $("$TRAWL" --version | awk '{print $2}'), release build; $(date -u +%Y-%m-%dT%H:%MZ)."
} | tee "$OUT/secret.md"
