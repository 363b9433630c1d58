#!/usr/bin/env bash
# trawl server benchmark (issue 19): 500 images sharing bases in a local registry, scanned through Harbor's API by
# 1 and then 2 replicas (redis-server, PostgreSQL, docker-registry on 127.0.0.1, started and stopped here); layers
# analysed vs layers seen; then a DB update and the re-match of every stored inventory. Prints the figures.
# Usage: bench/server/run.sh [--trawl PATH] [--images 500] [--workers 2]
set -euo pipefail
cd "$(dirname "$0")/../.."
exec python3 bench/server/run.py "$@"
