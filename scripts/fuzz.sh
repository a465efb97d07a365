#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz) with clang into build-fuzz/ (or $HALLPASS_FUZZ_BUILD_DIR)
# and runs each for the given number of seconds (default 3600), starting from its seed corpus.
# New inputs go to build-fuzz/corpus/<target>/; a crash leaves build-fuzz/crashes/<target>/crash-*
# and makes this script fail. Usage: scripts/fuzz.sh [seconds-per-target] [target...]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${HALLPASS_FUZZ_BUILD_DIR:-$root/build-fuzz}
seconds=${1:-3600}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(http_request json_bodies upload_body image_header document_code)

bash "$root/scripts/install-deps.sh"
# clang with its libFuzzer runtime (Debian 12: clang 14), installed here only: the other builds use gcc.
fuzz_packages=(clang libclang-rt-14-dev)
missing=()
for p in "${fuzz_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  [ "$(id -u)" = 0 ] || { echo "fuzz: missing packages: ${missing[*]} (run as root to install them)" >&2; exit 1; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" ||
    { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"; }
fi
if [ ! -f "$build/build.ninja" ]; then
  CXX=clang++ cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHALLPASS_FUZZ=ON \
        -DHALLPASS_BUILD_TESTS=OFF -DHALLPASS_BUILD_BENCH=OFF
fi
cmake --build "$build" -j "${HALLPASS_JOBS:-$(nproc)}" --target hallpass_fuzz_targets

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
failed=0
for t in "${targets[@]}"; do
  mkdir -p "$build/corpus/$t" "$build/crashes/$t"
  echo "fuzz: $t for ${seconds}s"
  # 2.5 GB of RSS at most, and no single allocation above it. image_header once reached 2.9 GB: a
  # HEIC grid that declared 26725x12899 pixels behind an 8x8 header made libheif allocate 1 GB
  # (tests/fuzz/regressions/image_header/heic-grid-of-a-gigabyte.heic; fixed in imaging/src/decode.cpp).
  rc=0
  "$build/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=30 -malloc_limit_mb=2560 -rss_limit_mb=2560 \
    -max_len=65536 \
    -print_final_stats=1 -close_fd_mask=1 -artifact_prefix="$build/crashes/$t/" \
    "$build/corpus/$t" "$root/tests/fuzz/corpus/$t" >"$build/$t.log" 2>&1 || rc=$?
  grep -E "^(#[0-9]+ *DONE|stat::number_of_executed_units|stat::average_exec_per_sec|stat::peak_rss_mb|==[0-9]+==ERROR|SUMMARY|Test unit written)" \
    "$build/$t.log" || true
  if [ "$rc" != 0 ]; then
    echo "fuzz: $t FOUND A CRASH: see $build/$t.log and $build/crashes/$t/" >&2
    failed=1
  fi
done
exit $failed
