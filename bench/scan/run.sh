#!/usr/bin/env bash
# Scan benchmark (issue 5): wall time, peak RSS and the analysis / matching / reporting split of a full
# `trawl image` vulnerability scan with the advisory DB present, release build, in one run:
#   1. debian-bookworm-slim (../shared/data/images, 88 dpkg packages);
#   2. big-app: the same Debian layer + a layer of real wheels (`pip install --target`) + a layer holding a real
#      `npm install` tree (react-scripts, express, webpack: 1,300+ node_modules packages and their lockfile),
#      wrapped as a `docker save` archive by make_image.py (>= 1,000 packages; checked).
# The DB is built with `trawl db build` from every feed in ../shared/data/advisories (no ALAS or NVD data there).
# Scenarios per image: cold (empty --cache-dir) and warm (layer cache filled), native JSON to stdout; the same with
# three reports in one run (json + sarif + cyclonedx files); and the issue's CI command with the default scanners.
# Every run uses -d and reads trawl's `timings:` debug lines for the split.
#
# Usage: bench/scan/run.sh [RUNS]   (RUNS per scenario, default 5: median wall, CPU and split, max RSS)
# Env:   TRAWL_SHARED_DATA (default ../shared/data); TRAWL=path/to/trawl to measure a given binary instead of
#        building `cargo build --release -p trawl` (e.g. a release build of a clean checkout).
# Wall time depends on the machine's load (the load average is printed); user+sys CPU time much less so.
# Output: a markdown table on stdout and in bench/out/scan/scan.md; raw logs in bench/out/scan/logs/.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
RUNS=${1:-5}
DATA=${TRAWL_SHARED_DATA:-$ROOT/../shared/data}
ADV=$DATA/advisories
OUT=$ROOT/bench/out/scan
LOGS=$OUT/logs
mkdir -p "$LOGS" "$OUT/reports"
rm -f "$LOGS"/*.log "$LOGS"/*.time "$OUT/runs.tsv"
export NO_COLOR=1 npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false
unset GITHUB_STEP_SUMMARY TRAWL_LOG

if [ -z "${TRAWL:-}" ]; then
  cargo build --release -p trawl >&2
  TRAWL=$ROOT/target/release/trawl
fi
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

# --- advisory DB: every feed in ../shared/data/advisories (rebuilt each run: the DB schema may change) ---
DB=$OUT/all.db
sources=(
  "osv=$ADV/ghsa/advisories"
  "osv=$ADV/pypa-advisory-db/vulns"
  "osv=$ADV/go-vulndb/osv"
  "osv=$ADV/rustsec/osv"
  "osv=$ADV/ubuntu/ubuntu-security-notices/osv"
  "alpine-secdb=$ADV/alpine/alpine-secdb"
  "debian-tracker=$ADV/debian/cve-list-excerpt"
  "debian-tracker=$ADV/debian/security-tracker-mirror"
  "debian-tracker=$ADV/debian/vuln-list-debian/tracker"
  "wolfi=$ADV/wolfi/advisories"
  "wolfi=$ADV/wolfi/vunnel-fixtures/input/secdb/security.json"
  "cve5=$ADV/cve/cvelistV5/cves"
  "kev=$ADV/kev/known_exploited_vulnerabilities.json"
  "epss=$ADV/epss/lodestonesecurity-epss-data-history/epss_scores-current.head.csv"
)
args=()
for s in "${sources[@]}"; do args+=(--source "$s"); done
"$TRAWL" db build -q -o "$DB" "${args[@]}" --format json >"$OUT/db-meta.json"
db_rows=$(jq -r '[.sources[].records] | add' "$OUT/db-meta.json" 2>/dev/null || echo "?")
echo "DB: $DB ($(($(stat -c %s "$DB") / 1024)) KiB, $db_rows records from ${#sources[@]} feeds)" >&2

# --- the >= 1,000-package image from real content (cached under bench/out/scan) ---
BIG=$OUT/big-app.tar
if [ ! -f "$BIG" ]; then
  if [ ! -d "$OUT/node-app/node_modules" ]; then
    mkdir -p "$OUT/node-app"
    cat >"$OUT/node-app/package.json" <<'JSON'
{ "name": "trawl-bench-app", "version": "1.0.0", "private": true,
  "dependencies": { "react-scripts": "5.0.1", "express": "4.18.2", "webpack": "5.88.2" } }
JSON
    (cd "$OUT/node-app" && npm install --ignore-scripts --no-audit --no-fund --silent >&2)
  fi
  if [ ! -d "$OUT/py/site-packages" ]; then
    # Old releases on purpose (PyPA advisories apply); pure-Python or cp311 wheels only, nothing compiled.
    python3 -m pip install --quiet --disable-pip-version-check --target "$OUT/py/site-packages" \
      --only-binary=:all: --no-compile django==3.2.0 requests==2.25.0 urllib3==1.26.4 jinja2==2.11.2 \
      flask==1.1.2 werkzeug==1.0.1 pyyaml==6.0.1 sqlparse==0.4.1 >&2
  fi
  python3 bench/scan/make_image.py "$DATA" "$BIG" \
    "/usr/local/lib/python3.11/dist-packages=$OUT/py/site-packages" "/app=$OUT/node-app"
fi
DEBIAN=$DATA/images/debian-bookworm-slim.tar.gz

# --- measurement ---
# run_one LABEL RUN CACHE_MODE CMD...: one timed run; appends a line to runs.tsv.
run_one() {
  local label=$1 i=$2; shift 2
  local log=$LOGS/$label.$i.log tf=$LOGS/$label.$i.time
  local t0 t1
  t0=$EPOCHREALTIME
  if ! /usr/bin/time -v -o "$tf" "$@" >"$LOGS/$label.$i.stdout" 2>"$log"; then
    # --exit-code is not set: any non-zero exit is a failed scan.
    echo "FAILED: $label run $i (see $log)" >&2; tail -5 "$log" >&2; exit 1
  fi
  t1=$EPOCHREALTIME
  local wall cpu rss a m p r
  # Wall from bash's clock (microseconds; /usr/bin/time rounds to 10 ms); RSS and CPU from /usr/bin/time.
  wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.4f", b - a}')
  cpu=$(awk -F': ' '/User time|System time/ {s+=$2} END {print s}' "$tf")
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$tf")
  read -r a m p < <(sed -n 's/.*timings: open+analyse \([0-9.]*\) ms, match \([0-9.]*\) ms, policy+results \([0-9.]*\) ms.*/\1 \2 \3/p' "$log" | tail -1)
  r=$(sed -n 's/.*timings: render \([0-9.]*\) ms.*/\1/p' "$log" | tail -1)
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$label" "$i" "$wall" "$rss" "$cpu" "${a:-nan}" "${m:-nan}" "${p:-nan}" "${r:-nan}" >>"$OUT/runs.tsv"
}

# bench IMAGE_LABEL INPUT: every scenario on one image.
bench() {
  local img=$1 input=$2
  local cache=$OUT/cache-$img
  local base=("$TRAWL" image --input "$input" --db "$DB" --skip-db-update --cache-dir "$cache" -d)
  local vuln=(--scanners vuln --pkg-types os,library)
  local multi=(--format "json=$OUT/reports/$img.json" --format "sarif=$OUT/reports/$img.sarif"
               --format "cyclonedx=$OUT/reports/$img.cdx.json")
  local ci=(--pkg-types os,library --ignore-unfixed --severity CRITICAL,HIGH --format json)
  local npk
  npk=$("$TRAWL" image --input "$input" --scanners none --format json --no-cache -q | jq '[.results[].packages[]] | length')
  echo "$img: $npk packages" >&2
  echo -e "$img\t$npk" >>"$OUT/packages.tsv"
  [ "$img" = debian-bookworm-slim ] || [ "$npk" -ge 1000 ] || { echo "$img has only $npk packages (< 1,000)" >&2; exit 1; }
  for i in $(seq "$RUNS"); do
    rm -rf "$cache"; run_one "$img/cold/json" "$i" "${base[@]}" "${vuln[@]}" --format json
  done
  for i in $(seq "$RUNS"); do
    run_one "$img/warm/json" "$i" "${base[@]}" "${vuln[@]}" --format json
  done
  for i in $(seq "$RUNS"); do
    rm -rf "$cache"; run_one "$img/cold/json+sarif+cdx" "$i" "${base[@]}" "${vuln[@]}" "${multi[@]}"
  done
  for i in $(seq "$RUNS"); do
    run_one "$img/warm/json+sarif+cdx" "$i" "${base[@]}" "${vuln[@]}" "${multi[@]}"
  done
  # The issue's CI command as is (default scanners: vuln + secret), warm: one unmeasured run fills the cache for
  # this analyzer set first.
  "${base[@]}" "${ci[@]}" >/dev/null 2>&1
  for i in $(seq "$RUNS"); do
    run_one "$img/warm/ci-command" "$i" "${base[@]}" "${ci[@]}"
  done
  jq '[.results[].vulnerabilities[]?] | length' "$OUT/reports/$img.json" >"$OUT/$img.findings"
  rm -rf "$cache"
}

mkdir -p "$LOGS/debian-bookworm-slim/cold" "$LOGS/debian-bookworm-slim/warm" "$LOGS/big-app/cold" "$LOGS/big-app/warm"
rm -f "$OUT/packages.tsv"
bench debian-bookworm-slim "$DEBIAN"
bench big-app "$BIG"

python3 - "$OUT" "$RUNS" "$($TRAWL --version | awk '{print $2}')" "$TRAWL" "$db_rows" \
  "$load_before" "$(cut -d' ' -f1-3 /proc/loadavg)" <<'PY' | tee "$OUT/scan.md"
import csv, os, statistics as st, sys
out, runs, version, binary, db_rows, load_before, load_after = sys.argv[1:8]
pk = dict(l.rstrip("\n").split("\t") for l in open(os.path.join(out, "packages.tsv")))
rows = {}
for r in csv.reader(open(os.path.join(out, "runs.tsv")), delimiter="\t"):
    rows.setdefault(r[0], []).append([float(x) for x in r[2:]])
MIB = 1024
print(f"## trawl scan benchmark: median of {runs} runs (peak RSS: max over runs)\n")
print("| image (packages, findings) | layer cache / output | wall | CPU (user+sys) | peak RSS | analyse | match | policy+results | render | other* | match+report share | wall vs 1 s | RSS vs 150 MiB |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
missed = []
for label, rs in rows.items():
    img, cache, fmt = label.split("/")
    wall = st.median(r[0] for r in rs)
    rss = max(r[1] for r in rs) / MIB
    cpu = st.median(r[2] for r in rs)
    a, m, p, rd = (st.median(r[k] for r in rs) for k in (3, 4, 5, 6))
    other = wall * 1e3 - a - m - p - rd
    share = (m + p + rd) / (wall * 1e3)
    try:
        nf = open(os.path.join(out, f"{img}.findings")).read().strip()
    except OSError:
        nf = "?"
    print(f"| {img} ({pk[img]}, {nf}) | {cache} / {fmt} | {wall*1e3:.0f} ms | {cpu*1e3:.0f} ms | {rss:.1f} MiB | {a:.0f} ms | {m:.1f} ms | "
          f"{p:.1f} ms | {rd:.1f} ms | {other:.0f} ms | {share*100:.1f}% | {wall:.2f}x | {rss/150:.2f}x |")
    for ok, what in ((wall < 1, "wall >= 1 s"), (rss < 150, "RSS >= 150 MiB"), (share < 0.10, "match+report >= 10%")):
        if not ok:
            missed.append(f"{label}: {what}")
print()
print("*other = wall - (analyse + match + policy+results + render): process start, config, DB open, exit.")
print("Targets (issue 5): < 1 s, < 150 MiB, matching and reporting < 10% of the total. "
      + ("All met." if not missed else "Missed: " + "; ".join(missed)))
print(f"DB: {db_rows} records, every feed in ../shared/data/advisories. trawl {version} ({binary}), release build, "
      f"{os.cpu_count()} CPUs, load average {load_before} before, {load_after} after; ci-command = `--pkg-types os,library --ignore-unfixed --severity CRITICAL,HIGH "
      f"--format json` with the default scanners (vuln, secret).")
PY
