#!/usr/bin/env bash
# The one test command: installs what is missing, builds, starts a private PostgreSQL for the
# tests, runs every test with CTest (labels: unit, db, e2e), and stops PostgreSQL again.
# Extra arguments go to ctest (e.g. -L unit, -R Login).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${HALLPASS_BUILD_DIR:-$root/build}
bash "$root/scripts/build.sh"
export HALLPASS_TEST_DATABASE_URL
HALLPASS_TEST_DATABASE_URL=$(bash "$root/scripts/test-postgres.sh" start)
trap 'bash "$root/scripts/test-postgres.sh" stop || true' EXIT
cd "$build"
# The cluster failover test (label cluster: three PostgreSQL under Patroni, about 3 minutes) runs
# only when asked for: bash scripts/test.sh -L cluster (after bash scripts/cluster.sh install).
[ $# -gt 0 ] || set -- -LE cluster
ctest --output-on-failure --timeout 600 -j "${HALLPASS_TEST_JOBS:-2}" "$@"
