#!/usr/bin/env bash
# DHCPv4: Kea (kea-dhcp4, memfile lease file) and ddid serve the same pool in network namespaces,
# driven by perfdhcp at the same offered rates, taking turns (see bench/dhcp4.py). Needs root.
set -euo pipefail
cd "$(dirname "$0")/.."
exec /usr/bin/python3 bench/dhcp4.py --build "${BUILD:-build}" "$@"
