#!/usr/bin/env bash
# Checks the README's two commands on a fresh clone: clones the committed HEAD of this
# repository into a new mode-700 folder whose path holds a space (nothing beside it), runs
# `bash scripts/test.sh` there, then the fuzz step of .ci/run (10 s per target: it must build and
# run), then `bash scripts/run.sh` in the background until /login
# answers 200, stops it with SIGINT (as Ctrl-C does) and checks that its PostgreSQL stopped too.
# Prints PASS or FAIL per step and overall; removes everything it made (--keep leaves the clone).
# Extra arguments go to ctest (e.g. -L unit to check quickly).
set -uo pipefail

source_repo=$(cd "$(dirname "$0")/.." && pwd)
keep=false
ctest_args=()
for a in "$@"; do
  case "$a" in
    --keep) keep=true ;;
    -h|--help) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) ctest_args+=("$a") ;;
  esac
done

commit=$(git -C "$source_repo" rev-parse HEAD) || { echo "FAIL: $source_repo is not a git repository"; exit 2; }
if [ -n "$(git -C "$source_repo" status --porcelain --untracked-files=no)" ]; then
  echo "note: uncommitted changes in $source_repo are not part of the check (it clones HEAD $commit)"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/hallpass-fresh.XXXXXX")   # mode 700
clone="$work/hall pass"
test_pg="$work/test pg"
logs="$work/logs"
mkdir -p "$logs"
server_pid=""
results=()
failed=0

step() {  # step NAME PASS|FAIL DETAIL
  results+=("$(printf '%-5s %-28s %s' "$2" "$1" "$3")")
  [ "$2" = PASS ] || failed=1
  printf '==> %-5s %-28s %s\n' "$2" "$1" "$3"
}

show_tail() {  # show_tail LOG LINES
  echo "---- last $2 lines of $(basename "$1") ----"
  tail -n "$2" "$1" | sed 's/^/    /'
  echo "----"
}

# The cluster folder of a data directory's postgres entry (it may be a link to a relocated one).
cluster_of() { readlink -f "$1/postgres" 2>/dev/null || true; }

stop_cluster_if_running() {  # stop_cluster_if_running DATA_DIR
  local cluster
  cluster=$(cluster_of "$1")
  if [ -n "$cluster" ] && [ -f "$cluster/postmaster.pid" ] && [ -x "$clone/build/server/hallpass-admin" ]; then
    "$clone/build/server/hallpass-admin" --data-dir "$1" postgres-stop >/dev/null 2>&1 || true
  fi
}

cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -INT "$server_pid" 2>/dev/null
    for _ in $(seq 30); do kill -0 "$server_pid" 2>/dev/null || break; sleep 1; done
    kill -KILL "$server_pid" 2>/dev/null || true
  fi
  if $keep; then
    echo "kept: $work (remove it, and any folder its postgres links point to, when done)"
    return
  fi
  local d cluster
  for d in "$clone/var" "$test_pg"; do
    stop_cluster_if_running "$d"
    cluster=$(cluster_of "$d")
    # A cluster relocated out of the clone (run as root under a mode-700 folder) goes too.
    case "$cluster" in
      /var/lib/hallpass/clusters/?*) rm -rf -- "$cluster" "$cluster.source" ;;
    esac
  done
  rm -rf -- "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "fresh-clone-check: HEAD $commit of $source_repo"
echo "clone folder: $clone (parent mode $(stat -c %a "$work"))"

# 1. The clone, with nothing beside it.
if git clone -q --no-checkout "$source_repo" "$clone" >"$logs/clone.log" 2>&1 &&
   git -C "$clone" checkout -q --detach "$commit" >>"$logs/clone.log" 2>&1; then
  if [ -e "$work/shared" ]; then
    step clone FAIL "a shared/ folder is beside the clone"
  else
    step clone PASS "$(git -C "$clone" log -1 --format='%h %s' | cut -c1-60)"
  fi
else
  step clone FAIL "git clone failed"
  show_tail "$logs/clone.log" 20
  exit 1
fi

# The clone's own environment: nothing from the caller's build, data or test database.
unset HALLPASS_BUILD_DIR HALLPASS_DATA_DIR HALLPASS_TEST_DATABASE_URL HALLPASS_DATABASE_URL HALLPASS_CONFIG \
      HALLPASS_PORT HALLPASS_ADDRESS HALLPASS_PUBLIC_URL
export HALLPASS_TEST_PG_DIR="$test_pg"
export CCACHE_BASEDIR="$clone"   # relative paths in the cache: hits from other clones' builds

# 2. The test command.
started=$(date +%s)
(cd "$clone" && bash scripts/test.sh "${ctest_args[@]}") >"$logs/test.log" 2>&1
test_rc=$?
summary=$(grep -E '^[0-9]+% tests passed' "$logs/test.log" | tail -n 1)
if [ $test_rc -eq 0 ] && [ -n "$summary" ]; then
  step "bash scripts/test.sh" PASS "$summary ($(( $(date +%s) - started )) s)"
else
  step "bash scripts/test.sh" FAIL "exit $test_rc: ${summary:-no ctest summary}"
  grep -E '\(Failed\)|\(Timeout\)|\*\*\*' "$logs/test.log" | head -n 40 | sed 's/^/    /'
  show_tail "$logs/test.log" 40
fi
grep -E 'Not Run|Skipped' "$logs/test.log" | head -n 20 | sed 's/^/    (not run or skipped) /'
if [ -n "$(cluster_of "$test_pg")" ] && [ -f "$(cluster_of "$test_pg")/postmaster.pid" ]; then
  step "test PostgreSQL stopped" FAIL "still running in $(cluster_of "$test_pg")"
fi

# 2b. The rest of .ci/run: the fuzz targets build with clang from the clean clone and run briefly.
started=$(date +%s)
if (cd "$clone" && bash scripts/fuzz.sh 10) >"$logs/fuzz.log" 2>&1; then
  step "bash scripts/fuzz.sh 10" PASS "built and ran $(grep -c '^fuzz: .* for ' "$logs/fuzz.log") targets ($(( $(date +%s) - started )) s)"
else
  step "bash scripts/fuzz.sh 10" FAIL "see below"
  grep -E 'error:|FAILED|FOUND A CRASH' "$logs/fuzz.log" | head -n 20 | sed 's/^/    /'
  show_tail "$logs/fuzz.log" 20
fi

# 3. The run command on a free port, until /login answers.
port=""
for _ in $(seq 50); do
  p=$(( 20000 + RANDOM % 20000 ))
  if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then port=$p; break; fi
done
[ -n "$port" ] || { step "bash scripts/run.sh" FAIL "no free port found"; exit 1; }

http_status() {  # prints the HTTP status of GET URL (000 when nothing answers)
  if command -v curl >/dev/null 2>&1; then
    curl -s -o /dev/null -m 5 -w '%{http_code}' "$1" || true
  else
    local host_port=${1#http://}; host_port=${host_port%%/*}; local path=/${1#http://*/}
    { exec 3<>"/dev/tcp/${host_port%:*}/${host_port#*:}" && printf 'GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n' "$path" "$host_port" >&3 &&
      head -n 1 <&3 | cut -d' ' -f2; } 2>/dev/null || echo 000
  fi
}

(cd "$clone" && exec bash scripts/run.sh --port "$port") >"$logs/run.log" 2>&1 &
server_pid=$!
started=$(date +%s)
status=000
while [ $(( $(date +%s) - started )) -lt 600 ] && kill -0 "$server_pid" 2>/dev/null; do
  status=$(http_status "http://127.0.0.1:$port/login")
  [ "$status" = 200 ] && break
  sleep 1
done
if [ "$status" = 200 ]; then
  step "bash scripts/run.sh" PASS "GET http://127.0.0.1:$port/login -> 200 after $(( $(date +%s) - started )) s"
else
  step "bash scripts/run.sh" FAIL "GET /login -> $status (server $(kill -0 "$server_pid" 2>/dev/null && echo running || echo exited))"
  show_tail "$logs/run.log" 30
fi

# 4. Ctrl-C: the server and its PostgreSQL stop.
cluster=$(cluster_of "$clone/var")
pg_pid=""
[ -n "$cluster" ] && [ -f "$cluster/postmaster.pid" ] && pg_pid=$(head -n 1 "$cluster/postmaster.pid")
if kill -0 "$server_pid" 2>/dev/null; then
  kill -INT "$server_pid"
  for _ in $(seq 60); do kill -0 "$server_pid" 2>/dev/null || break; sleep 1; done
  if kill -0 "$server_pid" 2>/dev/null; then
    step "stop (SIGINT)" FAIL "server still running 60 s after SIGINT"
  else
    wait "$server_pid" 2>/dev/null
    rc=$?
    server_pid=""
    pg_state="PostgreSQL stopped"
    pg_ok=true
    for _ in $(seq 30); do
      if [ -n "$pg_pid" ] && kill -0 "$pg_pid" 2>/dev/null; then pg_ok=false; sleep 1; else pg_ok=true; break; fi
    done
    [ -f "$cluster/postmaster.pid" ] && pg_ok=false
    $pg_ok || pg_state="PostgreSQL (pid ${pg_pid:-?}) still running in $cluster"
    if [ $rc -eq 0 ] && $pg_ok && [ -n "$pg_pid" ]; then
      step "stop (SIGINT)" PASS "server exited 0, $pg_state (cluster $cluster)"
    else
      step "stop (SIGINT)" FAIL "server exit $rc, ${pg_pid:+was pid $pg_pid: }$pg_state"
      show_tail "$logs/run.log" 15
    fi
  fi
else
  step "stop (SIGINT)" FAIL "the server was not running"
fi

echo
echo "fresh-clone-check summary (HEAD ${commit:0:12}, clone under a mode-700 folder, path with a space)"
printf '  %s\n' "${results[@]}"
if [ $failed -eq 0 ]; then echo "PASS"; else echo "FAIL"; fi
exit $failed
