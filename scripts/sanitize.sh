#!/usr/bin/env bash
# Builds everything with AddressSanitizer + UndefinedBehaviorSanitizer into build-asan/ (or
# $HALLPASS_BUILD_DIR) and runs the whole CTest suite against its own private PostgreSQL.
# Any sanitizer report stops the program that made it, so the test fails.
# Extra arguments go to ctest (e.g. -L unit, -R Login).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
export HALLPASS_BUILD_DIR=${HALLPASS_BUILD_DIR:-$root/build-asan}
export HALLPASS_TEST_PG_DIR=${HALLPASS_TEST_PG_DIR:-/tmp/hallpass-asan-pg-$(id -u)}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$root/tests/lsan.supp}
bash "$root/scripts/install-deps.sh"
if [ ! -f "$HALLPASS_BUILD_DIR/build.ninja" ]; then
  # -O1 -g1: quicker to build than -O2 -g, still fast enough to run and with line numbers in reports.
  cmake -S "$root" -B "$HALLPASS_BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" -DHALLPASS_SANITIZE=ON -DHALLPASS_BUILD_BENCH=OFF
fi
cmake --build "$HALLPASS_BUILD_DIR" -j "${HALLPASS_JOBS:-$(nproc)}"
export HALLPASS_TEST_DATABASE_URL
HALLPASS_TEST_DATABASE_URL=$(bash "$root/scripts/test-postgres.sh" start)
trap 'bash "$root/scripts/test-postgres.sh" stop || true' EXIT
cd "$HALLPASS_BUILD_DIR"
ctest --output-on-failure --timeout 1200 -j "${HALLPASS_TEST_JOBS:-2}" "$@"
