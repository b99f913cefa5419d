#!/usr/bin/env bash
# Durable write throughput: ddid's group-commit writer vs plain SQLite, one transaction per write.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
echo "== storage: $(nproc) cores, $(date -u +%Y-%m-%d), disk of ${BENCH_DIR:-/var/tmp}"
"$BUILD/bench/storage_bench" "${ROUNDS:-5}" "${SECONDS_PER_RUN:-3}"
