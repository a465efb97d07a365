#!/usr/bin/env bash
# Failover test of HallPass on its PostgreSQL cluster, loopback only, bounded in time (about
# 3 minutes; ctest gives it 6). Starts the cluster (scripts/cluster.sh) in a fresh folder and runs
# a stream of QR logins and uploads from several clients through HAProxy (tests/cluster/
# cluster_load.cpp) with three faults, each mid-stream:
#   postmaster  kill -9 of the primary's postmaster, its Patroni alive     (target <= 10 s)
#   member      the primary's node lost: its Patroni and PostgreSQL killed (target <= 30 s)
#   node        kill -9 of HallPass node 2: HAProxy takes it out, clients retry with the same key
# It prints, per fault, the seconds without a writable primary, the requests answered 503 and those
# that failed otherwise, and every acknowledged page looked up on the primary by its SHA-256.
# Exit 0 when every target is met, 1 otherwise, 77 when patroni, etcd or haproxy is missing.
#
#   cluster-failover-test.sh [--faults postmaster,member,node] [--clients 4] [--keep]
# --keep leaves the cluster running (scripts/cluster.sh status / down, same HALLPASS_CLUSTER_DIR).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
export HALLPASS_BUILD_DIR=${HALLPASS_BUILD_DIR:-$root/build}
faults=postmaster,member,node clients=4 keep=false
while [ $# -gt 0 ]; do
  case "$1" in
    --faults) faults=$2; shift 2 ;;
    --clients) clients=$2; shift 2 ;;
    --keep) keep=true; shift ;;
    *) sed -n '2,14p' "$0" >&2; exit 2 ;;
  esac
done
for tool in patroni etcd haproxy; do
  command -v "$tool" >/dev/null || { echo "cluster-failover-test: SKIPPED, $tool is not installed (bash scripts/cluster.sh install)"; exit 77; }
done
load="$HALLPASS_BUILD_DIR/tests/cluster/cluster_load"
[ -x "$load" ] || { echo "cluster-failover-test: no $load (bash scripts/build.sh)" >&2; exit 1; }

export HALLPASS_CLUSTER_DIR=${HALLPASS_CLUSTER_DIR:-$(mktemp -d /tmp/hallpass-cluster-test.XXXXXX)}
export HALLPASS_CLUSTER_PORT=${HALLPASS_CLUSTER_PORT:-26400}
# The clients all come from 127.0.0.1: per-address limits are lifted for the test.
export HALLPASS_CLUSTER_SERVER_ARGS="--login-attempts-per-ip=1000000 --tickets-per-ip-per-minute=1000000
  --ticket-polls-per-minute=1000000 --upload-photos-per-ip-per-minute=1000000 --upload-photos-per-code-per-minute=1000000"
cluster="$root/scripts/cluster.sh"
status=0
finish() {
  if [ "$status" != 0 ] && [ -d "$HALLPASS_CLUSTER_DIR/log" ]; then
    logs=$(mktemp -d /tmp/hallpass-cluster-failover-logs.XXXXXX)
    cp -r "$HALLPASS_CLUSTER_DIR/log/." "$logs/"
    echo "cluster-failover-test: FAILED; the logs of every process are kept in $logs"
  fi
  if $keep; then
    echo "cluster left running in $HALLPASS_CLUSTER_DIR (HALLPASS_CLUSTER_DIR=$HALLPASS_CLUSTER_DIR bash scripts/cluster.sh down)"
  else
    bash "$cluster" down || true
    rm -rf "$HALLPASS_CLUSTER_DIR"
  fi
}
trap 'status=$?; finish' EXIT

started=$(date +%s)
bash "$cluster" up --demo
echo "cluster-failover-test: cluster up in $(($(date +%s) - started)) s"
eval "$(bash "$cluster" env)"

fault_args=()
for f in ${faults//,/ }; do
  case "$f" in
    postmaster) fault_args+=(--fault "postmaster=bash '$cluster' kill-postmaster") ;;
    member) fault_args+=(--fault "member=bash '$cluster' kill-member") ;;
    node) fault_args+=(--fault "node=bash '$cluster' kill-node 2") ;;
    *) echo "cluster-failover-test: unknown fault $f (postmaster, member, node)" >&2; exit 2 ;;
  esac
done
# "node" kills node 2: the portals of the other faults wait on node 1 and are confirmed on node 2,
# so it comes last.
timeout 300 "$load" --http "$HTTP_PORT" --node-a "$NODE1_PORT" --node-b "$NODE2_PORT" --db "$HALLPASS_URL" \
  --clients "$clients" --photo "$root/tests/data/photos/dynamsoft/a4-on-dark-background.jpg" \
  "${fault_args[@]}" || status=$?
bash "$cluster" status
echo "cluster-failover-test: $(($(date +%s) - started)) s in all"
exit "$status"
