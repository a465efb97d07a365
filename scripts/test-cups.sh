#!/usr/bin/env bash
# A private CUPS scheduler for the printing tests: test-cups.sh start|stop [DIR]
#
# start: runs its own cupsd (no systemd) with every file under DIR, listening on a free loopback
#   port and on DIR/cups.sock, with one A4 PDF printer (enabled, accepting), and prints what a
#   client needs as KEY=VALUE lines on stdout. Idempotent: with a cupsd of DIR already answering,
#   it only prints those lines again.
# stop: stops that cupsd by its PID and removes DIR.
#
# DIR is the argument, else $HALLPASS_TEST_CUPS_DIR, else (start only) a new mktemp directory.
# Nothing here changes the system's CUPS configuration or talks to a system cupsd: the scheduler
# gets its own cupsd.conf and cups-files.conf (ServerRoot, StateDir, RequestRoot, logs, printcap
# all under DIR) and every client command is pointed at DIR/cups.sock. (cups-pdf still reads its
# system file, see below, but every path it would take from there is overridden.)
#
# The PDF printer, and why it is built this way:
#  - as root, it is the real cups-pdf backend (printer-driver-cups-pdf). That backend reads its
#    settings from /etc/cups/cups-pdf.conf (a path compiled into it), which we must not edit,
#    and it has no environment variable for another file. But version 3 also reads every option
#    of the queue's PPD whose keyword is one of its settings, and those override the file: the
#    queue gets the package's CUPS-PDF PPD with Out, AnonDirName, Spool, Log, GSTmp and Grp added
#    as PPD options. A PPD default cannot hold a '/' (libcups cuts the value there), so the
#    paths are relative ("out", "log", ...) and cupsd runs with DIR as its working directory,
#    which its backends inherit; start checks that before adding the queue.
#  - as another user, cups-pdf refuses to run (it needs root to write files as the job's owner),
#    so the queue uses a small backend of ours, installed in a private ServerBin (links to the
#    system's filters and helpers, plus ours). It does what cups-pdf does - PostScript from the
#    filter chain to PDF with Ghostscript - and writes DIR/out/job-ID.pdf.
#  In both cases a job goes through the real scheduler and its filter chain (pdftopdf, then
#  PostScript for the PostScript PPD) before the backend turns it back into a PDF.
#
# Output (stdout):
#   CUPS_SERVER=127.0.0.1:PORT            for libcups clients (or -h of lp, lpstat, ...)
#   HALLPASS_TEST_CUPS_SOCKET=DIR/cups.sock
#   HALLPASS_TEST_CUPS_PRINTER=HallPassPDF
#   HALLPASS_TEST_CUPS_OUTPUT=DIR/out     where the printed PDFs appear
#   HALLPASS_TEST_CUPS_DIR=DIR
#   HALLPASS_TEST_CUPS_BACKEND=cups-pdf|hallpass-pdf
#   HALLPASS_TEST_CUPS_PID=PID
# Diagnostics go to stderr; a failure exits 1 with the reason (and the end of cupsd's log).
set -euo pipefail

printer=HallPassPDF
marker=.hallpass-test-cups

started_pid=""

# Reports the failure, and stops the cupsd this run started, if any.
die() {
  echo "test-cups: $*" >&2
  if [ -n "$started_pid" ]; then stop_pid "$started_pid"; fi
  exit 1
}

usage() {
  echo "用法 / Usage: $0 start|stop [DIR]" >&2
  exit 2
}

[ $# -ge 1 ] || usage
command=$1
dir=${2:-${HALLPASS_TEST_CUPS_DIR:-}}

for tool in cupsd lpadmin lpstat cupsenable cupsaccept; do
  PATH=$PATH:/usr/sbin:/sbin command -v "$tool" >/dev/null 2>&1 ||
    die "找不到 $tool，请安装 cups-daemon 和 cups-client（scripts/install-deps.sh） / $tool not found: install cups-daemon and cups-client (scripts/install-deps.sh)"
done
export PATH=$PATH:/usr/sbin:/sbin

# The PID in DIR/cupsd.pid when it is a live cupsd started with DIR's configuration.
running_pid() {
  local pid
  [ -f "$dir/cupsd.pid" ] || return 1
  pid=$(cat "$dir/cupsd.pid")
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$dir/etc/cupsd.conf" || return 1
  echo "$pid"
}

# Whether the scheduler of DIR answers on its socket.
answering() {
  lpstat -h "$dir/cups.sock" -r >/dev/null 2>&1
}

# A TCP port on which nothing listens or is bound now, from /proc (no other tools needed).
free_port() {
  local port hex used
  used=$(cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | awk 'NR > 1 { split($2, a, ":"); print a[2] }')
  for _ in $(seq 1 200); do
    port=$((20000 + RANDOM % 40000))
    hex=$(printf '%04X' "$port")
    grep -qx "$hex" <<<"$used" || { echo "$port"; return 0; }
  done
  return 1
}

stop_pid() {
  local pid=$1
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
}

# The PPD of the cups-pdf queue: the package's PPD with the backend's paths as PPD options.
write_cups_pdf_ppd() {
  local source=/usr/share/ppd/cups-pdf/CUPS-PDF_noopt.ppd
  [ -r "$source" ] || die "找不到 cups-pdf 的 PPD，请安装 printer-driver-cups-pdf / $source missing: install printer-driver-cups-pdf"
  {
    cat "$source"
    local key value
    for key in Out AnonDirName Spool Log GSTmp Grp; do
      case $key in
        Out | AnonDirName) value=out ;;
        Spool) value=pdfspool ;;
        Log) value=log ;;
        GSTmp) value=tmp ;;
        Grp) value=$run_group ;;
      esac
      printf '*OpenUI *%s/%s: PickOne\n*Default%s: %s\n*%s Private/Private: ""\n*CloseUI: *%s\n' \
        "$key" "$key" "$key" "$value" "$key" "$key"
    done
  } >"$dir/cups-pdf.ppd"
}

# The backend used when cupsd does not run as root (see the header): PostScript -> PDF.
write_own_backend() {
  local bin=$dir/bin
  mkdir -p "$bin/backend"
  for sub in filter daemon cgi-bin monitor notifier driver; do
    if [ -e "/usr/lib/cups/$sub" ]; then ln -sfn "/usr/lib/cups/$sub" "$bin/$sub"; fi
  done
  cat >"$bin/backend/hallpass-pdf" <<'EOF'
#!/bin/sh
# hallpass-pdf:/DIR - writes each job, as the filter chain hands it over (PostScript), to
# DIR/job-ID.pdf with Ghostscript. Without arguments it lists no devices.
[ $# -eq 0 ] && exit 0
out=${DEVICE_URI#hallpass-pdf:}
[ -d "$out" ] || { echo "ERROR: no output directory $out" >&2; exit 1; }
input=${6:--}
tmp="$out/.job-$1.pdf"
gs -q -dSAFER -dBATCH -dNOPAUSE -sDEVICE=pdfwrite -sOutputFile="$tmp" "$input" >&2 || { rm -f "$tmp"; exit 1; }
mv "$tmp" "$out/job-$1.pdf"
EOF
  chmod 0755 "$bin/backend/hallpass-pdf"
}

print_env() {
  cat "$dir/env"
  echo "HALLPASS_TEST_CUPS_PID=$(cat "$dir/cupsd.pid")"
}

start() {
  if [ -z "$dir" ]; then
    dir=$(mktemp -d "${TMPDIR:-/tmp}/hallpass-cups.XXXXXX")
    touch "$dir/$marker"
  fi
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd -P)
  if [ -n "$(ls -A "$dir")" ] && [ ! -e "$dir/$marker" ]; then
    die "$dir 不是空目录，也不是本脚本的目录 / $dir is neither empty nor made by this script"
  fi
  touch "$dir/$marker"

  if pid=$(running_pid) && answering && [ -f "$dir/env" ]; then
    print_env
    return 0
  fi
  if [ -n "${pid:-}" ]; then stop_pid "$pid"; fi
  rm -rf "${dir:?}/etc" "$dir/run" "$dir/cache" "$dir/spool" "$dir/log" "$dir/cups.sock" "$dir/cupsd.pid" "$dir/env" "${dir:?}/bin"

  local uid user backend device server_bin run_user run_group system_group
  uid=$(id -u)
  user=$(id -un)
  if [ "$uid" = 0 ]; then
    backend=cups-pdf
    run_user="lp"
    run_group="lp"
    system_group=root
    server_bin=/usr/lib/cups
    [ -x /usr/lib/cups/backend/cups-pdf ] ||
      die "找不到 cups-pdf 后端，请安装 printer-driver-cups-pdf / the cups-pdf backend is missing: install printer-driver-cups-pdf"
    getent passwd lp >/dev/null || die "没有 lp 用户（cups-daemon 会创建） / no user lp (cups-daemon creates it)"
  else
    backend=hallpass-pdf
    run_user=$user
    run_group=$(id -gn)
    system_group=$run_group
    server_bin=$dir/bin
    command -v gs >/dev/null 2>&1 || die "找不到 gs，请安装 ghostscript / gs not found: install ghostscript"
  fi
  [ -x /usr/lib/cups/filter/pdftopdf ] ||
    die "找不到 CUPS 过滤器 pdftopdf，请安装 cups-filters / the CUPS filter pdftopdf is missing: install cups-filters"

  mkdir -p "$dir/etc/ppd" "$dir/run" "$dir/cache" "$dir/spool/tmp" "$dir/log" "$dir/out" "$dir/pdfspool" "$dir/tmp"
  # The scheduler's children (filters run as lp when cupsd is root) must reach DIR's files.
  chmod 0755 "$dir" "$dir/out"
  chmod 1777 "$dir/tmp"
  if [ "$backend" = hallpass-pdf ]; then write_own_backend; fi

  local port listening=""
  for _ in 1 2 3; do
    port=$(free_port) || die "没有空闲的本地端口 / no free loopback port"
    cat >"$dir/etc/cups-files.conf" <<EOF
# Private scheduler of scripts/test-cups.sh: every path under $dir.
User $run_user
Group $run_group
SystemGroup $system_group
ServerRoot $dir/etc
StateDir $dir/run
CacheDir $dir/cache
RequestRoot $dir/spool
TempDir $dir/spool/tmp
ServerBin $server_bin
DataDir /usr/share/cups
DocumentRoot /usr/share/cups/doc-root
AccessLog $dir/log/access_log
ErrorLog $dir/log/error_log
PageLog $dir/log/page_log
Printcap $dir/printcap
ServerKeychain $dir/etc/ssl
CreateSelfSignedCerts no
FileDevice no
EOF
    cat >"$dir/etc/cupsd.conf" <<EOF
# Private scheduler of scripts/test-cups.sh: loopback and its own socket only, nothing shared.
LogLevel info
MaxLogSize 0
Listen 127.0.0.1:$port
Listen $dir/cups.sock
Browsing No
BrowseLocalProtocols none
WebInterface No
DefaultShared No
ErrorPolicy abort-job
PreserveJobHistory Yes
PreserveJobFiles No
<Location />
  Order allow,deny
  Allow from 127.0.0.1
</Location>
# As the default policy, jobs belong to their owner; unlike it, printer administration needs
# no password (only local clients reach this scheduler).
<Policy default>
  JobPrivateAccess default
  JobPrivateValues default
  SubscriptionPrivateAccess default
  SubscriptionPrivateValues default
  <Limit Create-Job Print-Job Print-URI Validate-Job>
    Order deny,allow
  </Limit>
  <Limit Send-Document Send-URI Hold-Job Release-Job Restart-Job Purge-Jobs Set-Job-Attributes Create-Job-Subscription Renew-Subscription Cancel-Subscription Get-Notifications Reprocess-Job Cancel-Current-Job Suspend-Current-Job Resume-Job Cancel-My-Jobs Close-Job CUPS-Move-Job Cancel-Job CUPS-Authenticate-Job CUPS-Get-Document>
    Require user @OWNER @SYSTEM
    Order deny,allow
  </Limit>
  <Limit CUPS-Add-Modify-Printer CUPS-Delete-Printer CUPS-Add-Modify-Class CUPS-Delete-Class CUPS-Set-Default CUPS-Get-Devices Pause-Printer Resume-Printer Enable-Printer Disable-Printer Pause-Printer-After-Current-Job Hold-New-Jobs Release-Held-New-Jobs Deactivate-Printer Activate-Printer Restart-Printer Shutdown-Printer Startup-Printer Promote-Job Schedule-Job-After Cancel-Jobs CUPS-Accept-Jobs CUPS-Reject-Jobs>
    Order deny,allow
  </Limit>
  <Limit All>
    Order deny,allow
  </Limit>
</Policy>
EOF
    cupsd -t -c "$dir/etc/cupsd.conf" -s "$dir/etc/cups-files.conf" >"$dir/log/config-check" 2>&1 ||
      die "cupsd 配置无效 / cupsd rejects its configuration: $(cat "$dir/log/config-check")"

    # Foreground mode in the background, in its own session, so that it outlives this script
    # and holds none of its caller's pipes open; its PID is the one we stop.
    (cd "$dir" && exec setsid cupsd -f -c "$dir/etc/cupsd.conf" -s "$dir/etc/cups-files.conf" \
      </dev/null >"$dir/log/cupsd.out" 2>&1) &
    started_pid=$!
    echo "$started_pid" >"$dir/cupsd.pid"

    for _ in $(seq 1 100); do
      answering && break
      kill -0 "$(cat "$dir/cupsd.pid")" 2>/dev/null || break
      sleep 0.1
    done
    if answering && lpstat -h "127.0.0.1:$port" -r >/dev/null 2>&1; then
      listening=yes
      break
    fi
    # Most likely another program took the port first: try another one.
    stop_pid "$started_pid"
    started_pid=""
  done
  if [ -z "$listening" ]; then
    die "cupsd 未能启动 / cupsd did not start: $(tail -n 20 "$dir/log/error_log" "$dir/log/cupsd.out" 2>/dev/null)"
  fi

  if [ "$backend" = cups-pdf ]; then
    # cups-pdf's relative paths (see the header) resolve against cupsd's working directory.
    [ "$(readlink "/proc/$(cat "$dir/cupsd.pid")/cwd")" = "$dir" ] ||
      die "cupsd 的工作目录不是 $dir / cupsd does not run in $dir"
    write_cups_pdf_ppd
    device=cups-pdf:/
  else
    cp /usr/share/ppd/cups-pdf/CUPS-PDF_noopt.ppd "$dir/cups-pdf.ppd" 2>/dev/null ||
      die "找不到 cups-pdf 的 PPD，请安装 printer-driver-cups-pdf / the CUPS-PDF PPD is missing: install printer-driver-cups-pdf"
    device=hallpass-pdf:$dir/out
  fi
  # lpadmin warns that PPD drivers are deprecated: not our concern here.
  lpadmin -h "$dir/cups.sock" -p "$printer" -v "$device" -P "$dir/cups-pdf.ppd" \
    -D "HallPass test PDF printer" -o printer-error-policy=abort-job \
    >"$dir/log/lpadmin.out" 2>&1 ||
    die "无法添加打印机 / lpadmin failed: $(cat "$dir/log/lpadmin.out")"
  if ! cupsenable -h "$dir/cups.sock" "$printer" || ! cupsaccept -h "$dir/cups.sock" "$printer"; then
    die "无法启用打印机 / could not enable the printer"
  fi

  cat >"$dir/env" <<EOF
CUPS_SERVER=127.0.0.1:$port
HALLPASS_TEST_CUPS_SOCKET=$dir/cups.sock
HALLPASS_TEST_CUPS_PRINTER=$printer
HALLPASS_TEST_CUPS_OUTPUT=$dir/out
HALLPASS_TEST_CUPS_DIR=$dir
HALLPASS_TEST_CUPS_BACKEND=$backend
EOF
  started_pid=""
  print_env
}

stop() {
  [ -n "$dir" ] || die "要停止哪个目录？请给出 DIR 或 HALLPASS_TEST_CUPS_DIR / which directory? give DIR or HALLPASS_TEST_CUPS_DIR"
  [ -d "$dir" ] || return 0
  dir=$(cd "$dir" && pwd -P)
  [ -e "$dir/$marker" ] || die "$dir 不是本脚本的目录，未删除 / $dir was not made by this script: left alone"
  local pid
  if pid=$(running_pid); then
    stop_pid "$pid"
  fi
  rm -rf "$dir"
}

case $command in
  start) start ;;
  stop) stop ;;
  *) usage ;;
esac
