#!/usr/bin/env bash
# Builds and runs HallPass. With no database configured it starts a private PostgreSQL in the
# data directory (default ./var) and loads the demo data set. Extra arguments go to
# hallpass-server (see --help).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${HALLPASS_BUILD_DIR:-$root/build}
bash "$root/scripts/build.sh"
exec "$build/server/hallpass-server" --data-dir "${HALLPASS_DATA_DIR:-$root/var}" --demo=true "$@"
