#!/usr/bin/env bash
# Software outside package managers (crates/trawl/tests/binaries): the real Debian 12 packages of the runtimes
# and servers the binary/executable analyzer recognises, unpacked into target/binary-fixtures (skipped when
# present). Syft, the oracle, comes from 00-base.sh.
set -euo pipefail
cd "$(dirname "$0")/../.."
tests/fixtures/binaries/fetch.sh target/binary-fixtures
