#!/usr/bin/env bash
# Builds and runs HallPass. With no database configured it starts a private PostgreSQL in the
# data directory (default ./var) and loads the demo data set. With no real-name service
# configured it starts hallpass-local-verifier, the LOCAL STAND-IN for it (tests and demos only:
# no face recognition), so that registration can be tried. Extra arguments go to hallpass-server
# (see --help).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${HALLPASS_BUILD_DIR:-$root/build}
data=${HALLPASS_DATA_DIR:-$root/var}
bash "$root/scripts/build.sh"
real_name=()
if [[ " $* " != *" --real-name-url"* && -z "${HALLPASS_REAL_NAME_URL:-}" ]]; then
  verifier="$data/local-verifier"
  mkdir -p "$verifier"
  rm -f "$verifier/url"
  # It ends with this process (which becomes hallpass-server below).
  "$build/server/hallpass-local-verifier" --port 0 --key "$verifier/signing.key" --public-key-out "$verifier/public.pem" \
    --url-file "$verifier/url" --stop-with-parent &
  for _ in $(seq 100); do [ -s "$verifier/url" ] && break; sleep 0.1; done
  [ -s "$verifier/url" ] || { echo "run.sh: hallpass-local-verifier did not start" >&2; exit 1; }
  echo "run.sh: identity checks go to the LOCAL STAND-IN verifier at $(cat "$verifier/url") (tests and demos only)"
  real_name=(--real-name-url "$(cat "$verifier/url")" --real-name-public-key "$verifier/public.pem")
fi
exec "$build/server/hallpass-server" --data-dir "$data" --demo=true "${real_name[@]}" "$@"
