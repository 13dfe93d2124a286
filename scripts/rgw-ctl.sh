#!/usr/bin/env bash
# @module scripts/rgw-ctl: control single daemons of a test cluster made by rgw-start.sh (fault injection, stop).
#
# usage: rgw-ctl.sh DATA_DIR stop-rgw | start-rgw | pause-rgw | resume-rgw | status | stop-all
#   stop-rgw    stop only radosgw (SIGTERM, SIGKILL after 10 s); the mon and the memstore OSD keep the objects
#   start-rgw   start radosgw again on the same cluster and wait until it answers HTTP (READY_TIMEOUT, 60 s)
#   pause-rgw   SIGSTOP radosgw: connections are accepted by the kernel but never answered (a hung store)
#   resume-rgw  SIGCONT it
#   status      one line per daemon: name pid running|stopped|paused
#   stop-all    rgw -> osd -> mon, each waited for (the OSD shuts down quickly only while the mon is up)
# Only PIDs recorded in DATA_DIR/pids are touched, and only when /proc/PID/comm still names that daemon.
set -uo pipefail

DATA=${1:?usage: rgw-ctl.sh DATA_DIR stop-rgw|start-rgw|pause-rgw|resume-rgw|status|stop-all}
CMD=${2:?usage: rgw-ctl.sh DATA_DIR stop-rgw|start-rgw|pause-rgw|resume-rgw|status|stop-all}
DATA=$(realpath -m "$DATA")
READY_TIMEOUT=${READY_TIMEOUT:-60}

log() { echo "[rgw-ctl] $*" >&2; }
die() { echo "[rgw-ctl] ERROR: $*" >&2; exit 1; }

declare -A COMM=([rgw]=radosgw [osd]=ceph-osd [mon]=ceph-mon)

# pid of a daemon we started and that is still that daemon, else nothing (stale pid files are removed)
live_pid() {
  local f=$DATA/pids/$1.pid pid
  [ -f "$f" ] || return 1
  pid=$(cat "$f")
  if [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "${COMM[$1]}" ]; then echo "$pid"; return 0; fi
  rm -f "$f"; return 1
}

stop_daemon() {
  local pid i
  pid=$(live_pid "$1") || return 0
  kill -CONT "$pid" 2>/dev/null   # a paused daemon cannot act on SIGTERM
  kill -TERM "$pid" 2>/dev/null
  for i in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then
    log "$1 ($pid) ignored SIGTERM for 10 s, sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null
    for i in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -f "$DATA/pids/$1.pid"
  log "stopped $1 (pid $pid)"
}

rgw_port() {
  sed -n 's/^rgw frontends = beast endpoint=127\.0\.0\.1:\([0-9]*\).*/\1/p' "$DATA/ceph.conf"
}

start_rgw() {
  [ -f "$DATA/ceph.conf" ] || die "no cluster in $DATA (run rgw-start.sh first)"
  live_pid mon >/dev/null && live_pid osd >/dev/null || die "mon/osd of $DATA are not running; rgw alone cannot serve"
  local pid port t0=$SECONDS
  if pid=$(live_pid rgw); then log "rgw already running (pid $pid)"; return 0; fi
  port=$(rgw_port)
  [ -n "$port" ] || die "no beast endpoint in $DATA/ceph.conf"
  # own session and no inherited stdio: callers (test runners) must not wait on the daemon's pipes
  setsid radosgw -c "$DATA/ceph.conf" -n client.rgw.gw -f </dev/null >>"$DATA/log/rgw.out" 2>&1 &
  echo $! > "$DATA/pids/rgw.pid"
  until curl -fs -o /dev/null --max-time 2 "http://127.0.0.1:$port/"; do
    live_pid rgw >/dev/null || die "radosgw died, see $DATA/log/client.rgw.gw.log and rgw.out"
    [ $(( SECONDS - t0 )) -lt "$READY_TIMEOUT" ] || die "radosgw not answering on :$port after ${READY_TIMEOUT}s"
    sleep 0.2
  done
  log "rgw answering on 127.0.0.1:$port (pid $(cat "$DATA/pids/rgw.pid"), $(( SECONDS - t0 ))s)"
}

signal_rgw() {
  local pid
  pid=$(live_pid rgw) || die "rgw is not running"
  kill "-$1" "$pid"
  log "sent SIG$1 to rgw ($pid)"
}

case $CMD in
  stop-rgw)   stop_daemon rgw ;;
  start-rgw)  start_rgw ;;
  pause-rgw)  signal_rgw STOP ;;
  resume-rgw) signal_rgw CONT ;;
  stop-all)   for n in rgw osd mon; do stop_daemon "$n"; done ;;
  status)
    for n in rgw osd mon; do
      if pid=$(live_pid "$n"); then
        state=running; grep -q '^State:[[:space:]]*T' "/proc/$pid/status" 2>/dev/null && state=paused
        echo "$n $pid $state"
      else echo "$n - stopped"; fi
    done ;;
  *) die "unknown command '$CMD' (stop-rgw|start-rgw|pause-rgw|resume-rgw|status|stop-all)" ;;
esac
