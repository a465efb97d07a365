#!/usr/bin/env bash
# Installs the peers login_bench measures HallPass against: nginx (Debian package) and
# oidc-provider 8.8.1 (npm, into bench/login/oidc/node_modules). Not needed by the tests.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if [ ! -x /usr/sbin/nginx ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends nginx ||
    { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends nginx; }
fi
command -v node >/dev/null || { echo "login_bench setup: node (Node.js 18 or later) is needed for oidc-provider" >&2; exit 1; }
(cd "$here/oidc" && npm ci --no-audit --no-fund --loglevel=error)
