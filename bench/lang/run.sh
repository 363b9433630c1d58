#!/usr/bin/env bash
# Language benchmark: `trawl fs` vs `syft dir:` on the same large real tree (bench/lang/make-tree.sh: a node_modules
# with 1,000+ packages from npm install plus lockfiles of several ecosystems), in the same run, cold process each
# time, median of RUNS (default 5). trawl also matches against a DB built from ../shared advisories (Syft only
# catalogs), so the comparison is conservative. Results go to bench/out/lang.txt.
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
runs="${RUNS:-5}"
tree="$repo/target/lang-bench/tree"
work="$repo/target/lang-bench"
trawl="${TRAWL:-$repo/target/release/trawl}"
adv="${TRAWL_SHARED_DATA:-$repo/../shared/data}/advisories"
export SYFT_CHECK_FOR_APP_UPDATE=false
"$repo/bench/lang/make-tree.sh" "$tree"
[ -x "$trawl" ] || (cd "$repo" && cargo build --release -p trawl)
db="$work/bench.db"
[ -f "$db" ] || "$trawl" db build -o "$db" --source "osv=$adv/ghsa" --source "osv=$adv/pypa-advisory-db" \
  --source "osv=$adv/go-vulndb" --source "osv=$adv/rustsec/osv" >/dev/null
mkdir -p "$repo/bench/out"

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
time_it() { # label, command...
  local label="$1"; shift
  local t=()
  for _ in $(seq "$runs"); do
    local s e
    s=$(date +%s.%N)
    "$@" >"$work/$label.out" 2>/dev/null
    e=$(date +%s.%N)
    t+=("$(echo "$e - $s" | bc)")
  done
  printf '%s\n' "${t[@]}" | median
}

t_trawl=$(time_it trawl "$trawl" fs "$tree" --db "$db" --skip-db-update --scanners vuln --pkg-types library \
  --include-dev-deps --format json --no-cache)
t_syft=$(time_it syft syft "dir:$tree" -o json -q)
n_trawl=$(python3 -c "import json,sys; d=json.load(open('$work/trawl.out')); print(sum(len(r.get('packages',[])) for r in d['results']))")
n_syft=$(python3 -c "import json; d=json.load(open('$work/syft.out')); print(len(d['artifacts']))")
n_nm=$(find "$tree" -path '*node_modules*' -name package.json | wc -l)
{
  echo "lang benchmark $(date -u +%FT%TZ), $(nproc) CPUs, median of $runs cold runs"
  echo "tree: $tree ($n_nm package.json files under node_modules, $(find "$tree" -type f | wc -l) files)"
  printf '%-28s %8.3f s  %6s packages\n' "trawl fs (+ vuln matching)" "$t_trawl" "$n_trawl"
  printf '%-28s %8.3f s  %6s packages\n' "syft dir: (catalog only)" "$t_syft" "$n_syft"
  echo "speed-up: $(echo "scale=1; $t_syft / $t_trawl" | bc)x"
} | tee "$repo/bench/out/lang.txt"
