#!/usr/bin/env bash
# Runs the scan for the composite action: maps the inputs (INPUT_* variables) to trawl flags, always writes a native
# JSON report beside the requested format, sets the step outputs and exits as `exit-code` says.
set -uo pipefail
trawl=${TRAWL:-trawl}
out=${GITHUB_OUTPUT:-/dev/null}
tmp=${RUNNER_TEMP:-$(mktemp -d)}
report="$tmp/trawl-report.json"

args=()
case "${INPUT_SCAN_TYPE:-image}" in
  image)
    args+=(image)
    if [ -n "${INPUT_INPUT:-}" ]; then
      args+=(--input "$INPUT_INPUT")
    elif [ -n "${INPUT_IMAGE_REF:-}" ]; then
      args+=("$INPUT_IMAGE_REF")
    else
      echo "::error::scan-type image needs image-ref or input" >&2
      exit 2
    fi
    [ -n "${INPUT_PLATFORM:-}" ] && args+=(--platform "$INPUT_PLATFORM")
    ;;
  registry)
    if [ -z "${INPUT_IMAGE_REF:-}" ]; then
      echo "::error::scan-type registry needs image-ref (REGISTRY[/PREFIX])" >&2
      exit 2
    fi
    args+=(registry scan "$INPUT_IMAGE_REF" --tags "${INPUT_REGISTRY_TAGS:-latest}")
    ;;
  fs|rootfs)
    args+=("$INPUT_SCAN_TYPE" "${INPUT_SCAN_REF:-.}")
    ;;
  *)
    echo "::error::unknown scan-type '${INPUT_SCAN_TYPE}' (image, fs, rootfs, registry)" >&2
    exit 2
    ;;
esac
pkg_types=${INPUT_PKG_TYPES:-os,library}
[ -n "${INPUT_VULN_TYPE:-}" ] && pkg_types=$INPUT_VULN_TYPE
args+=(--pkg-types "$pkg_types" --scanners "${INPUT_SCANNERS:-vuln,secret}")
[ -n "${INPUT_SEVERITY:-}" ] && args+=(--severity "$INPUT_SEVERITY")
[ "${INPUT_IGNORE_UNFIXED:-false}" = "true" ] && args+=(--ignore-unfixed)
[ -n "${INPUT_IGNOREFILE:-}" ] && args+=(--ignorefile "$INPUT_IGNOREFILE")
[ -n "${INPUT_SKIP_DIRS:-}" ] && args+=(--skip-dirs "$INPUT_SKIP_DIRS")
[ -n "${INPUT_DB_REPOSITORY:-}" ] && args+=(--db-repository "$INPUT_DB_REPOSITORY")
[ -n "${INPUT_BASELINE:-}" ] && args+=(--baseline "$INPUT_BASELINE")
[ -n "${INPUT_FAIL_ON:-}" ] && args+=(--fail-on "$INPUT_FAIL_ON")
[ "${INPUT_SUMMARY:-true}" = "true" ] || args+=(--no-summary)
[ "${INPUT_CACHE:-true}" = "true" ] || args+=(--no-cache)
exit_code=${INPUT_EXIT_CODE:-0}
args+=(--exit-code "$exit_code")
format=${INPUT_FORMAT:-table}
args+=(--format "$format")
[ -n "${INPUT_OUTPUT:-}" ] && args+=(--output "$INPUT_OUTPUT")
args+=(--format "json=$report")

echo "trawl ${args[*]}"
"$trawl" "${args[@]}"
rc=$?

count() {
  jq --arg s "$1" '[.results[]?.vulnerabilities[]? | select(.severity == $s)] | length' "$report"
}
if [ -f "$report" ]; then
  {
    echo "critical=$(count CRITICAL)"
    echo "high=$(count HIGH)"
    echo "medium=$(count MEDIUM)"
    echo "low=$(count LOW)"
    echo "unknown=$(count UNKNOWN)"
    echo "total=$(jq '[.results[]?.vulnerabilities[]?] | length' "$report")"
    echo "report=$report"
  } >>"$out"
fi
echo "output=${INPUT_OUTPUT:-}" >>"$out"
if [ "$rc" -ne 0 ] && [ "$rc" -eq "$exit_code" ]; then
  echo "gate-failed=true" >>"$out"
else
  echo "gate-failed=false" >>"$out"
fi
exit "$rc"
