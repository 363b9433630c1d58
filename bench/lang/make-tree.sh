#!/usr/bin/env bash
# Builds a large real tree for the language benchmark into OUT (default target/lang-bench/tree): a node_modules
# with 1,000+ packages from `npm install` of a few big packages, plus lockfiles of several ecosystems made by the
# real tools (npm, yarn, pnpm, poetry, uv, cargo). Skips steps whose output exists.
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
out="${1:-$repo/target/lang-bench/tree}"
fx="$repo/target/lang-fixtures"
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false
mkdir -p "$out"
if [ ! -d "$out/web/node_modules" ]; then
  mkdir -p "$out/web"
  cat >"$out/web/package.json" <<'JSON'
{ "name": "bench-web", "version": "1.0.0", "private": true,
  "dependencies": { "react-scripts": "5.0.1", "express": "4.18.2", "webpack": "5.88.2" },
  "devDependencies": { "jest": "29.7.0", "eslint": "8.50.0", "typescript": "4.9.5" } }
JSON
  (cd "$out/web" && npm install --ignore-scripts --no-audit --silent >/dev/null)
fi
# other lockfiles from the fixture script (real tools), several copies in sub-projects
"$repo/crates/trawl-lockfile/scripts/make-fixtures.sh" "$fx" >/dev/null 2>&1
for i in 1 2 3; do
  d="$out/services/svc$i"
  mkdir -p "$d"
  cp "$fx/yarn-classic/yarn.lock" "$fx/yarn-classic/package.json" "$d/" 2>/dev/null || true
  cp "$fx/pnpm-v9/pnpm-lock.yaml" "$d/" 2>/dev/null || true
  cp "$fx/poetry/poetry.lock" "$fx/uv/uv.lock" "$d/" 2>/dev/null || true
  cp "$fx/cargo/Cargo.lock" "$d/" 2>/dev/null || true
  cp "$fx/go/go.mod" "$d/" 2>/dev/null || true
done
cp "$repo/Cargo.lock" "$out/Cargo.lock"
echo "$out: $(find "$out" -name package.json -path '*node_modules*' | wc -l) package.json files in node_modules" >&2
