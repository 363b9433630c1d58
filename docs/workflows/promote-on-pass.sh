#!/usr/bin/env sh
# Promote on pass: scan a candidate image where CI pushed it, and copy it to the release repository only when the
# gate passes. The digest that was scanned is the digest that ships (skopeo --preserve-digests; the candidate is
# addressed by digest when you pass one).
#
#   promote-on-pass.sh CANDIDATE RELEASE [extra trawl flags...]
#   promote-on-pass.sh 123456789012.dkr.ecr.eu-west-1.amazonaws.com/tmp/app:$GITHUB_SHA \
#                      123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:1.4.2
#
# Exit status: 0 promoted; 1 the gate failed (nothing copied); 2 the scan itself failed (nothing copied).
# Environment: TRAWL (the trawl binary, default `trawl`), SKOPEO_FLAGS (extra `skopeo copy` flags, e.g.
# `--src-tls-verify=false --dest-tls-verify=false` for a plain-HTTP test registry, or `--src-creds`/`--dest-creds`).
# Registry credentials come from the usual places for both tools (docker config.json, TRAWL_USERNAME/PASSWORD).
set -eu

if [ "$#" -lt 2 ]; then
  echo "usage: $0 CANDIDATE RELEASE [trawl flags...]" >&2
  exit 2
fi
candidate=$1
release=$2
shift 2

status=0
"${TRAWL:-trawl}" image "$candidate" --image-src remote \
  --severity CRITICAL,HIGH --ignore-unfixed --exit-code 1 "$@" || status=$?

case "$status" in
  0)
    # shellcheck disable=SC2086 # SKOPEO_FLAGS is a list of flags
    skopeo copy --all --preserve-digests ${SKOPEO_FLAGS:-} "docker://$candidate" "docker://$release"
    echo "promoted $candidate -> $release"
    ;;
  1)
    echo "not promoted: $candidate has CRITICAL/HIGH vulnerabilities with a fix (see the report above)" >&2
    exit 1
    ;;
  *)
    echo "not promoted: the scan of $candidate failed (exit $status)" >&2
    exit 2
    ;;
esac
