#!/usr/bin/env bash
# Installs everything HallPass needs to build, run and test on Debian 12 (as root).
# Safe to run again: it only installs what is missing.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config git
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libpq-dev postgresql postgresql-contrib libjemalloc-dev
  libssl-dev openssl
  libopencv-dev opencv-data libheif-dev libavcodec-dev libhpdf-dev libpoppler-cpp-dev qpdf
  libzxing-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  chromium wrk procps curl poppler-utils zbar-tools
  libcups2-dev cups-daemon cups-client cups-filters cups-core-drivers ghostscript printer-driver-cups-pdf
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

# npm packages, when missing or older than their lock file: web/ (the browser QR scanner the pages
# load from the server) and tests/e2e (the browser tests). Without them the pages still work,
# but the phone web app's in-page scanner says it is not installed.
root=$(cd "$(dirname "$0")/.." && pwd)
for dir in "$root/web" "$root/tests/e2e"; do
  if [ -f "$dir/package-lock.json" ] && { [ ! -f "$dir/node_modules/.package-lock.json" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; }; then
    echo "install-deps: installing the npm packages of ${dir#"$root"/}"
    if ! (cd "$dir" && npm ci --no-audit --no-fund); then
      [ "$dir" = "$root/web" ] || exit 1
      echo "install-deps: web/ npm packages not installed: the in-page QR scanner is unavailable" >&2
    fi
  fi
done
