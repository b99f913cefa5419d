#!/usr/bin/env bash
# `make fuzz`: builds the fuzz targets of tests/fuzz with clang 14 (libFuzzer, ASan, UBSan) in their
# own Meson build directory and runs each for FUZZ_SECONDS over its saved corpus, new inputs going
# to a scratch folder; prints one summary line per target and fails if any target crashed.
#
#   tests/fuzz/run.sh            run every target (FUZZ_SECONDS, default 60)
#   tests/fuzz/run.sh merge      add to the saved corpus the scratch inputs that reach new code
#   tests/fuzz/run.sh minimise   rebuild the saved corpus: seeds plus the fewest inputs that keep
#                                the coverage of the corpus and the scratch inputs together
#
# Environment: FUZZ_SECONDS, FUZZ_BUILD (default build-fuzz), FUZZ_TARGETS (names, default all).
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
mode=${1:-run}
seconds=${FUZZ_SECONDS:-60}
build=${FUZZ_BUILD:-build-fuzz}
corpus_root=tests/fuzz/corpus

case "$mode" in
  run|merge|minimise) ;;
  *) echo "usage: $0 [run|merge|minimise]" >&2; exit 2 ;;
esac

scripts/setup-deps.sh fuzz

if [ ! -f "$build/build.ninja" ]; then
  # The sanitizer coverage of the code under test comes from the project-wide flags;
  # -fsanitize=fuzzer itself (libFuzzer's main) is added to the fuzz executables only.
  # _GLIBCXX_ASSERTIONS checks std::array and std::span indexing, which ASan cannot see inside
  # an object. Warnings are the regular (gcc) build's business: they do not stop this one.
  setup_log=$(mktemp)
  CXX=clang++-14 CC=clang-14 meson setup "$build" \
    -Dfuzz=true -Dwerror=false -Dbuildtype=debugoptimized \
    -Db_sanitize=address,undefined -Db_lundef=false \
    "-Dcpp_args=['-fsanitize=fuzzer-no-link','-fno-sanitize-recover=undefined','-fno-omit-frame-pointer','-D_GLIBCXX_ASSERTIONS']" \
    "-Dcpp_link_args=['-fno-sanitize-recover=undefined']" >"$setup_log" 2>&1 ||
    { cat "$setup_log" >&2; rm -f "$setup_log"; echo "fuzz: meson setup of $build failed" >&2; exit 1; }
  rm -f "$setup_log"
fi
if ! meson introspect --buildoptions "$build" | /usr/bin/python3 -c '
import json, sys
sys.exit(0 if any(o["name"] == "fuzz" and o["value"] is True for o in json.load(sys.stdin)) else 1)'; then
  echo "fuzz: $build is not a fuzz build (-Dfuzz=true with clang): remove it or set FUZZ_BUILD" >&2
  exit 1
fi
ninja -C "$build" fuzz >/dev/null || { ninja -C "$build" fuzz; exit 1; }

# The targets are the fuzz_* executables the Meson build defines (tests/fuzz/meson.build).
all_targets=$(meson introspect --targets "$build" | /usr/bin/python3 -c '
import json, sys
print(" ".join(sorted(t["name"][len("fuzz_"):] for t in json.load(sys.stdin)
                      if t["type"] == "executable" and t["name"].startswith("fuzz_"))))')
targets=${FUZZ_TARGETS:-$all_targets}

export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

crashed=0
for name in $targets; do
  exe="$build/tests/fuzz/fuzz_$name"
  corpus="$corpus_root/$name"
  scratch="$build/fuzz-scratch/$name"
  artifacts="$build/fuzz-artifacts/$name"
  log="$build/fuzz-logs/$name.log"
  [ -x "$exe" ] || { echo "fuzz $name: no such target ($exe)" >&2; exit 2; }
  mkdir -p "$corpus" "$scratch" "$artifacts" "$(dirname "$log")"

  case "$mode" in
    merge)
      before=$(find "$corpus" -type f | wc -l)
      "$exe" -merge=1 "$corpus" "$scratch" >"$log" 2>&1
      echo "fuzz $name: corpus $before -> $(find "$corpus" -type f | wc -l) inputs (merged from $scratch)"
      continue ;;
    minimise)
      fresh="$build/fuzz-minimised/$name"
      rm -rf "$fresh" && mkdir -p "$fresh"
      cp "$corpus"/seed-* "$fresh"/ 2>/dev/null || true
      before=$(find "$corpus" -type f | wc -l)
      "$exe" -merge=1 "$fresh" "$corpus" "$scratch" >"$log" 2>&1
      find "$corpus" -type f -delete
      cp "$fresh"/* "$corpus"/
      echo "fuzz $name: corpus $before -> $(find "$corpus" -type f | wc -l) inputs (seeds kept)"
      continue ;;
  esac

  # The dictionary holds DNS names and types: it helps only the DNS targets.
  dict=()
  case "$name" in dhcp*) ;; *) dict=(-dict=tests/fuzz/dns.dict) ;; esac
  set +e
  "$exe" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=4096 \
    "${dict[@]}" -print_final_stats=1 -artifact_prefix="$artifacts/" "$scratch" "$corpus" >"$log" 2>&1
  rc=$?
  set -e
  stat() { sed -n "s/^stat::$1: *//p" "$log" | tail -1; }
  runs=$(stat number_of_executed_units)
  rate=$(stat average_exec_per_sec)
  added=$(stat new_units_added)
  rss=$(stat peak_rss_mb)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  if [ "$rc" -eq 0 ]; then
    echo "fuzz $name: ok, ${seconds} s, ${runs:-?} runs (${rate:-?}/s), coverage ${cov:-?}, ${added:-0} new inputs in $scratch, peak ${rss:-?} MB"
  else
    crashed=$((crashed + 1))
    reproducer=$(ls -t "$artifacts"/ 2>/dev/null | head -1)
    echo "fuzz $name: FAILED (exit $rc), reproducer $artifacts/${reproducer:-?}, log $log"
    grep -m1 -E 'ERROR: |runtime error: |fuzz: invariant broken' "$log" | sed 's/^/  /' || true
  fi
done

if [ "$mode" = run ]; then
  set -- $targets
  echo "fuzz: $# targets, $crashed failed"
  [ "$crashed" -eq 0 ]
fi
