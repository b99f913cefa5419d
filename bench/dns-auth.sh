#!/usr/bin/env bash
# Authoritative DNS: NSD, Knot, BIND and ddid on the same zone, taking turns (see bench/dns_auth.py).
set -euo pipefail
cd "$(dirname "$0")/.."
exec /usr/bin/python3 bench/dns_auth.py --build "${BUILD:-build}" "$@"
