#!/usr/bin/env bash
# Installs everything HallPass needs to build, run and test on Debian 12 (as root).
# Safe to run again: it only installs what is missing.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config git
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libpq-dev postgresql postgresql-contrib
  libssl-dev openssl
  libopencv-dev libheif-dev libhpdf-dev
  libzxing-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  chromium wrk procps curl poppler-utils
  fonts-wqy-zenhei
)
# Node.js (for the browser tests) comes with npm on some images; take Debian's only when absent.
command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "install-deps: missing packages: ${missing[*]} (run as root to install them)" >&2
    exit 1
  fi
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# The end-to-end tests' npm packages (tests/e2e), when missing or older than its lock file.
root=$(cd "$(dirname "$0")/.." && pwd)
e2e="$root/tests/e2e"
if [ -f "$e2e/package-lock.json" ] && { [ ! -f "$e2e/node_modules/.package-lock.json" ] || [ "$e2e/package-lock.json" -nt "$e2e/node_modules/.package-lock.json" ]; }; then
  echo "install-deps: installing the npm packages of tests/e2e"
  (cd "$e2e" && npm ci --no-audit --no-fund)
fi
