#!/usr/bin/env bash
# Installs the Debian 12 packages that building, running and testing ddid need.
# Idempotent and non-interactive: it only calls apt-get when a package is missing.
set -euo pipefail

build_pkgs=(
  build-essential pkg-config meson ninja-build cmake
  libldns-dev libsqlite3-dev libboost-dev nlohmann-json3-dev libssl-dev libpcap-dev doctest-dev
)
run_pkgs=(openssl ca-certificates)
# bind9 and knot are the secondaries of the zone-transfer test; bind9-utils signs zones for the DNSSEC test.
# isc-dhcp-client (dhclient) and busybox (udhcpc) are the DHCP test clients, isc-dhcp-relay the relay
# in front of them, tcpdump captures what crosses the wire; kea-admin ships perfdhcp, the load generator
# of the DHCP load and kill -9 tests.
test_pkgs=(python3 python3-pytest python3-dnspython curl dnsutils iproute2 iputils-ping sqlite3 procps bind9 bind9-utils knot
  isc-dhcp-client busybox isc-dhcp-relay tcpdump kea-admin)
# Reference servers and load generators, for `make bench` only. kea-dhcp4-server is the DHCPv4
# reference (bench/dhcp4.sh runs its own kea-dhcp4 process with its own config, never the system
# service), kea-admin ships perfdhcp, iproute2 makes the benchmark's network namespaces.
bench_pkgs=(python3 dnsutils knot-dnsutils dnsperf nsd knot bind9 util-linux procps kea-dhcp4-server kea-admin iproute2)
# clang 14 with libFuzzer and the sanitizer runtimes, for `make fuzz` only.
fuzz_pkgs=(clang-14 libclang-rt-14-dev llvm-14 python3)

want=("${build_pkgs[@]}" "${run_pkgs[@]}")
case "${1:-run}" in
  test) want+=("${test_pkgs[@]}") ;;
  bench) want+=("${bench_pkgs[@]}") ;;
  fuzz) want+=("${fuzz_pkgs[@]}") ;;
  run) ;;
  *) echo "usage: $0 [run|test|bench|fuzz]" >&2; exit 2 ;;
esac

missing=()
for p in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "setup: installing ${missing[*]}"
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -q
"${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
