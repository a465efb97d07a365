#!/usr/bin/env bash
# HallPass on a PostgreSQL cluster on one machine, loopback only (deploy/cluster/README.md):
# etcd, three PostgreSQL 15 members under Patroni (synchronous replication), HAProxy (write port
# to the primary, read port to the replicas, HTTP over the nodes) and two hallpass-server nodes,
# which read page images and PDFs of submitted applications through the read port.
# Started and stopped by PID, without systemd.
#
#   cluster.sh install                 apt-get install patroni etcd-server haproxy (root)
#   cluster.sh up [--demo]             start everything (--demo: the nodes load the demo data)
#   cluster.sh down                    stop everything
#   cluster.sh status                  what runs, and each member's role
# For the failover test (scripts/cluster-failover-test.sh):
#   cluster.sh primary                 the current primary's member name (pg1…pg3), or nothing
#   cluster.sh kill-postmaster [M]     kill -9 member M's postmaster (default: the primary)
#   cluster.sh kill-member [M]         kill -9 member M's Patroni and postmaster together
#   cluster.sh start-member M          start member M's Patroni again
#   cluster.sh kill-node N             kill -9 HallPass node N (1 or 2)
#   cluster.sh start-node N            start HallPass node N again
#   cluster.sh env                     shell variables: ports, database URLs (for tests)
#
# HALLPASS_CLUSTER_DIR (default /tmp/hallpass-cluster-$UID): every data directory, log, PID file
# and generated configuration. HALLPASS_CLUSTER_PORT (default 25400): the first of the ports.
# HALLPASS_CLUSTER_SERVER_ARGS: extra hallpass-server options for both nodes.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${HALLPASS_BUILD_DIR:-$root/build}
dir=${HALLPASS_CLUSTER_DIR:-/tmp/hallpass-cluster-$(id -u)}
base=${HALLPASS_CLUSTER_PORT:-25400}
host=127.0.0.1
members=(pg1 pg2 pg3)
etcd_port=$base etcd_peer_port=$((base + 1))
write_port=$((base + 30)) read_port=$((base + 31)) http_port=$((base + 32)) stats_port=$((base + 33))

say() { echo "cluster: $*" >&2; }
die() { say "$*"; exit 1; }
member_index() { case "$1" in pg1) echo 0 ;; pg2) echo 1 ;; pg3) echo 2 ;; *) die "no member $1 (pg1, pg2, pg3)" ;; esac; }
pg_port() { echo $((base + 10 + $(member_index "$1"))); }
rest_port() { echo $((base + 20 + $(member_index "$1"))); }
node_port() { case "$1" in 1|2) echo $((base + 39 + $1)) ;; *) die "no node $1 (1, 2)" ;; esac; }
pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

# PID files: $dir/run/NAME.pid. alive NAME: the process runs.
pid_of() { cat "$dir/run/$1.pid" 2>/dev/null || true; }
alive() { local p; p=$(pid_of "$1"); [ -n "$p" ] && kill -0 "$p" 2>/dev/null; }

# spawn NAME COMMAND…: runs COMMAND in the background in its own session, output to
# $dir/log/NAME.log, PID to $dir/run/NAME.pid.
spawn() {
  local name=$1; shift
  setsid "$@" >>"$dir/log/$name.log" 2>&1 </dev/null &
  echo $! >"$dir/run/$name.pid"
}

# stop NAME: SIGTERM, then SIGKILL after 20 s.
stop() {
  local p; p=$(pid_of "$1")
  [ -n "$p" ] || return 0
  if kill -0 "$p" 2>/dev/null; then
    kill -TERM "$p" 2>/dev/null || true
    for _ in $(seq 200); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$p" 2>/dev/null && { say "$1 did not stop in 20 s: SIGKILL"; kill -KILL "$p" 2>/dev/null || true; }
  fi
  rm -f "$dir/run/$1.pid"
}

# wait_for SECONDS WHAT COMMAND…: until COMMAND succeeds, or fails the script.
wait_for() {
  local secs=$1 what=$2; shift 2
  for _ in $(seq $((secs * 5))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
  die "$what not ready after $secs s (logs: $dir/log)"
}
http_ok() { curl -fs -m 2 -o /dev/null "$1"; }

# As root, PostgreSQL and Patroni run as `postgres` (PostgreSQL refuses root), as in
# scripts/test-postgres.sh; setpriv execs, so the PID file names Patroni itself.
as_postgres=()
[ "$(id -u)" = 0 ] && as_postgres=(setpriv --reuid=postgres --regid=postgres --init-groups env HOME="$dir/postgres")

secret() { head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n'; }

# The generated passwords and data key, made once per cluster directory (mode 0600).
load_secrets() {
  if [ ! -f "$dir/secrets.env" ]; then
    (umask 077; {
      echo "SUPERUSER_PASSWORD=$(secret)"
      echo "REPLICATION_PASSWORD=$(secret)"
      echo "REWIND_PASSWORD=$(secret)"
      echo "HALLPASS_DB_PASSWORD=$(secret)"
      echo "HALLPASS_DATA_KEY=$(secret)$(secret | head -c 16)"
    } >"$dir/secrets.env")
  fi
  # shellcheck disable=SC1091
  . "$dir/secrets.env"
}

hallpass_url() { echo "host=$host port=$write_port dbname=hallpass user=hallpass password=$HALLPASS_DB_PASSWORD"; }
hallpass_read_url() { echo "host=$host port=$read_port dbname=hallpass user=hallpass password=$HALLPASS_DB_PASSWORD"; }
superuser_url() { echo "host=$host port=$write_port dbname=postgres user=postgres password=$SUPERUSER_PASSWORD"; }

render() {  # render TEMPLATE OUT KEY=VALUE…
  local template=$1 out=$2; shift 2
  local text; text=$(cat "$template")
  for kv in "$@"; do text=${text//@${kv%%=*}@/${kv#*=}}; done
  printf '%s\n' "$text" >"$out"
}

write_configs() {
  local bin; bin=$(pg_bin)
  [ -n "$bin" ] || die "no PostgreSQL (/usr/lib/postgresql/*/bin): bash scripts/install-deps.sh"
  mkdir -p "$dir/conf" "$dir/postgres"
  for m in "${members[@]}"; do
    mkdir -p "$dir/postgres/$m"
    render "$root/deploy/cluster/patroni.yml.in" "$dir/conf/$m.yml" NAME="$m" HOST="$host" \
      REST_PORT="$(rest_port "$m")" PG_PORT="$(pg_port "$m")" ETCD_HOSTS="$host:$etcd_port" NETWORK="$host/32" \
      DATA_DIR="$dir/postgres/$m/data" PG_BIN="$bin" PGPASS="$dir/postgres/$m/pgpass" SOCKET_DIR="$dir/postgres/$m" \
      SUPERUSER_PASSWORD="$SUPERUSER_PASSWORD" REPLICATION_PASSWORD="$REPLICATION_PASSWORD" \
      REWIND_PASSWORD="$REWIND_PASSWORD"
  done
  local write_servers="" read_servers="" http_servers=""
  for m in "${members[@]}"; do
    write_servers+="  server $m $host:$(pg_port "$m") check port $(rest_port "$m")"$'\n'
    read_servers+="  server $m $host:$(pg_port "$m") check port $(rest_port "$m")"$'\n'
  done
  read_servers+="  server primary $host:$write_port backup"$'\n'
  for n in 1 2; do http_servers+="  server node$n $host:$(node_port $n) check"$'\n'; done
  for n in 1 2; do http_servers+="  server node$n-unchecked $host:$(node_port $n) backup"$'\n'; done
  render "$root/deploy/cluster/haproxy.cfg.in" "$dir/conf/haproxy.cfg" HOST="$host" WRITE_PORT="$write_port" \
    READ_PORT="$read_port" HTTP_PORT="$http_port" STATS_PORT="$stats_port" STATS_SOCKET="$dir/run/haproxy.sock" \
    ERRORFILE_503="$root/deploy/cluster/503.http" PG_SERVERS="$write_servers" PG_READ_SERVERS="$read_servers" \
    HTTP_SERVERS="$http_servers"
  for n in 1 2; do
    mkdir -p "$dir/node$n"
    render "$root/deploy/cluster/hallpass-node.conf.in" "$dir/conf/node$n.conf" HOST="$host" \
      NODE_PORT="$(node_port $n)" NODE_DIR="$dir/node$n" PUBLIC_URL="http://$host:$http_port" PROXY_CIDR="$host/32"
  done
  if [ "$(id -u)" = 0 ]; then
    chown -R postgres:postgres "$dir/postgres"
    chown postgres "$dir/conf"/pg?.yml
    runuser -u postgres -- test -x "$dir/postgres" ||
      die "the postgres user cannot enter $dir: choose HALLPASS_CLUSTER_DIR in a folder it may reach (e.g. /tmp)"
  fi
  chmod 600 "$dir/conf"/pg?.yml
}

start_member() {
  alive "$1" && return 0
  spawn "$1" "${as_postgres[@]}" patroni "$dir/conf/$1.yml"
}

primary() {
  for m in "${members[@]}"; do
    if http_ok "http://$host:$(rest_port "$m")/primary"; then echo "$m"; return 0; fi
  done
}
has_primary() { [ -n "$(primary)" ]; }
postmaster_pid() { head -n 1 "$dir/postgres/$1/data/postmaster.pid" 2>/dev/null || true; }
# A synchronous standby streams from the primary: commits are on two members.
sync_standby() {
  for m in "${members[@]}"; do http_ok "http://$host:$(rest_port "$m")/sync" && return 0; done
  return 1
}

start_node() {
  alive "node$1" && return 0
  load_secrets
  local demo=()
  [ -f "$dir/demo" ] && demo=(--demo=true)
  # shellcheck disable=SC2086
  # Page images and PDFs of submitted applications are read from a replica (HAProxy's read port).
  HALLPASS_DATABASE_URL=$(hallpass_url) HALLPASS_DATABASE_READ_URL=$(hallpass_read_url) HALLPASS_DATA_KEY=$HALLPASS_DATA_KEY \
    spawn "node$1" "$build/server/hallpass-server" --config "$dir/conf/node$1.conf" "${demo[@]}" \
    ${HALLPASS_CLUSTER_SERVER_ARGS:-}
}

create_database() {
  local su; su=$(superuser_url)
  if [ "$(psql "$su" -Atc "SELECT 1 FROM pg_roles WHERE rolname = 'hallpass'")" != 1 ]; then
    psql "$su" -q -v ON_ERROR_STOP=1 -v pw="$HALLPASS_DB_PASSWORD" >/dev/null <<<"CREATE ROLE hallpass LOGIN PASSWORD :'pw'"
  fi
  if [ "$(psql "$su" -Atc "SELECT 1 FROM pg_database WHERE datname = 'hallpass'")" != 1 ]; then
    psql "$su" -q -v ON_ERROR_STOP=1 -c "CREATE DATABASE hallpass OWNER hallpass" >/dev/null
  fi
}

up() {
  for tool in patroni etcd haproxy psql curl setsid; do
    command -v "$tool" >/dev/null || die "$tool is missing: bash scripts/cluster.sh install"
  done
  [ -x "$build/server/hallpass-server" ] || die "no $build/server/hallpass-server: bash scripts/build.sh"
  mkdir -p "$dir/run" "$dir/log"
  chmod 755 "$dir"
  load_secrets
  if [ "${1:-}" = --demo ]; then touch "$dir/demo"; fi
  write_configs

  if ! alive etcd; then
    # One etcd member, enough on one machine; production runs three (deploy/systemd/README.md).
    spawn etcd etcd --name etcd1 --data-dir "$dir/etcd" \
      --listen-client-urls "http://$host:$etcd_port" --advertise-client-urls "http://$host:$etcd_port" \
      --listen-peer-urls "http://$host:$etcd_peer_port" --initial-advertise-peer-urls "http://$host:$etcd_peer_port" \
      --initial-cluster "etcd1=http://$host:$etcd_peer_port" --initial-cluster-state new
  fi
  wait_for 30 etcd http_ok "http://$host:$etcd_port/health"

  # The first member bootstraps (initdb) and becomes primary; the others clone it.
  start_member pg1
  wait_for 90 "the first PostgreSQL member" has_primary
  start_member pg2
  start_member pg3
  alive haproxy || spawn haproxy haproxy -f "$dir/conf/haproxy.cfg"
  wait_for 30 "HAProxy's write port" psql "$(superuser_url)" -Atc "SELECT 1"
  wait_for 120 "a synchronous standby" sync_standby
  create_database

  start_node 1
  wait_for 120 "HallPass node 1" http_ok "http://$host:$(node_port 1)/readyz"
  start_node 2
  wait_for 60 "HallPass node 2" http_ok "http://$host:$(node_port 2)/readyz"
  wait_for 30 "HAProxy's HTTP port" http_ok "http://$host:$http_port/readyz"
  say "up: http://$host:$http_port/ (nodes :$(node_port 1) :$(node_port 2)); primary $(primary); logs in $dir/log"
}

down() {
  for n in 2 1; do stop "node$n"; done
  stop haproxy
  # Replicas first, so that the primary does not wait for a synchronous standby that is gone.
  local p; p=$(primary || true)
  for m in "${members[@]}"; do [ "$m" = "$p" ] || stop "$m"; done
  [ -n "$p" ] && stop "$p"
  stop etcd
  # A postmaster whose Patroni was killed (kill-member) is stopped too.
  for m in "${members[@]}"; do
    local pm; pm=$(postmaster_pid "$m")
    if [ -n "$pm" ] && kill -0 "$pm" 2>/dev/null; then kill -TERM "$pm" 2>/dev/null || true; fi
  done
  say "down"
}

status() {
  for name in etcd pg1 pg2 pg3 haproxy node1 node2; do
    local state=stopped role=""
    alive "$name" && state="running (pid $(pid_of "$name"))"
    case "$name" in
      pg?) role=$(curl -fsS -m 2 "http://$host:$(rest_port "$name")/patroni" 2>/dev/null |
                  sed -n 's/.*"role": *"\([a-z_]*\)".*/\1/p' || true) ;;
    esac
    printf '%-8s %s%s\n' "$name" "$state" "${role:+, $role}"
  done
}

case "${1:-}" in
  install)
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q --no-install-recommends patroni etcd-server haproxy curl
    ;;
  up) shift; up "$@" ;;
  down) down ;;
  status) status ;;
  primary) primary ;;
  kill-postmaster)
    m=${2:-$(primary)}; [ -n "$m" ] || die "no primary"
    pm=$(postmaster_pid "$m"); [ -n "$pm" ] || die "$m has no postmaster"
    kill -KILL "$pm"; echo "$m"
    ;;
  kill-member)
    m=${2:-$(primary)}; [ -n "$m" ] || die "no primary"
    pm=$(postmaster_pid "$m")
    kill -KILL "$(pid_of "$m")" ${pm:+"$pm"}; echo "$m"
    ;;
  start-member) start_member "${2:?member}" ;;
  kill-node) kill -KILL "$(pid_of "node${2:?node}")"; rm -f "$dir/run/node$2.pid" ;;
  start-node) start_node "${2:?node}" ;;
  env)
    load_secrets
    echo "HTTP_PORT=$http_port NODE1_PORT=$(node_port 1) NODE2_PORT=$(node_port 2) WRITE_PORT=$write_port READ_PORT=$read_port"
    echo "HALLPASS_URL='$(hallpass_url)'"
    echo "HALLPASS_READ_URL='$(hallpass_read_url)'"
    ;;
  *) sed -n '2,20p' "$0" >&2; exit 2 ;;
esac
