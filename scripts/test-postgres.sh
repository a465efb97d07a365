#!/usr/bin/env bash
# Starts (start) or stops (stop) the private PostgreSQL the tests use, with hallpass-admin.
# `start` prints the libpq string to put into HALLPASS_TEST_DATABASE_URL.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${HALLPASS_BUILD_DIR:-$root/build}
dir=${HALLPASS_TEST_PG_DIR:-/tmp/hallpass-test-pg-$(id -u)}
case "${1:-}" in
  start)
    conninfo=$("$build/server/hallpass-admin" --data-dir "$dir" postgres-start | tail -n 1)
    echo "${conninfo% dbname=*} dbname=postgres"
    ;;
  stop)
    "$build/server/hallpass-admin" --data-dir "$dir" postgres-stop >/dev/null
    ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
