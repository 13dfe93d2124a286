#!/usr/bin/env bash
# @module scripts/rgw-start: a throwaway single-node Ceph RGW (1 mon, 1 memstore OSD, beast) as the real S3 for tests.
#
# usage: rgw-start.sh [DATA_DIR]            (root, Debian 12; stop with rgw-stop.sh DATA_DIR [--purge])
# env:   RGW_PORT 7480 · MON_PORT 3300 (msgr2 only) · RGW_ACCESS_KEY testkey · RGW_SECRET_KEY testsecret
#        RGW_UID test · MEMSTORE_BYTES 2 GiB (OSD capacity; objects live in RAM) · READY_TIMEOUT 120 s
# stdout: S3_ENDPOINT=… S3_ACCESS_KEY=… S3_SECRET_KEY=… CEPH_CONF=… (source-able); progress goes to stderr.
# DATA_DIR is wiped first, but only when it is empty or was made by this script (marker .rgw-lab).
# No cephx and no mgr: nothing here is meant to be reachable from outside 127.0.0.1.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
DATA=$(realpath -m "${1:-/tmp/rgw-data}")
RGW_PORT=${RGW_PORT:-7480}
MON_PORT=${MON_PORT:-3300}
RGW_ACCESS_KEY=${RGW_ACCESS_KEY:-testkey}
RGW_SECRET_KEY=${RGW_SECRET_KEY:-testsecret}
RGW_UID=${RGW_UID:-test}
MEMSTORE_BYTES=${MEMSTORE_BYTES:-2147483648}
export READY_TIMEOUT=${READY_TIMEOUT:-120}
CONF=$DATA/ceph.conf
CEPH=(ceph -c "$CONF" --connect-timeout 10)
T0=$SECONDS

log() { echo "[rgw-start +$(( SECONDS - T0 ))s] $*" >&2; }
die() { echo "[rgw-start] ERROR: $*" >&2; exit 1; }

# wait_for "what" daemon-name command…: poll until the command succeeds, fail early when the daemon died
wait_for() {
  local what=$1 name=$2; shift 2
  until "$@" >/dev/null 2>&1; do
    kill -0 "$(cat "$DATA/pids/$name.pid")" 2>/dev/null || die "$name died while waiting for $what, see $DATA/log/"
    [ $(( SECONDS - T0 )) -lt "$READY_TIMEOUT" ] || die "timed out waiting for $what"
    sleep 0.2
  done
}

start_daemon() {  # name cmd… : foreground (-f) in its own session, detached from our stdio
  local name=$1; shift
  setsid "$@" -f </dev/null >>"$DATA/log/$name.out" 2>&1 &
  echo $! > "$DATA/pids/$name.pid"
}

# ---- preflight ---------------------------------------------------------------------------------
[ "$(id -u)" = 0 ] || die "must run as root (ceph daemons, setsid)"
for port in "$RGW_PORT" "$MON_PORT"; do
  [[ $port =~ ^[0-9]+$ ]] && [ "$port" -ge 1 ] && [ "$port" -le 65535 ] || die "port must be 1-65535, got '$port'"
done
[[ $MEMSTORE_BYTES =~ ^[0-9]+$ ]] && [ "$MEMSTORE_BYTES" -ge 104857600 ] || die "MEMSTORE_BYTES must be a byte count >= 100 MiB, got '$MEMSTORE_BYTES'"
[[ $READY_TIMEOUT =~ ^[0-9]+$ ]] || die "READY_TIMEOUT must be whole seconds, got '$READY_TIMEOUT'"
need=()
for b in ceph-mon ceph-osd radosgw radosgw-admin ceph monmaptool ceph-authtool curl uuidgen; do
  command -v "$b" >/dev/null 2>&1 || need+=("$b")
done
if [ ${#need[@]} -gt 0 ]; then
  log "missing ${need[*]}: installing ceph-mon ceph-osd radosgw ceph-common curl uuid-runtime"
  apt-cache show radosgw >/dev/null 2>&1 || apt-get -o DPkg::Lock::Timeout=300 update >&2
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y --no-install-recommends \
    ceph-mon ceph-osd radosgw ceph-common curl uuid-runtime >&2
fi
if [ -d "$DATA/pids" ] && [ "$(bash "$HERE/rgw-ctl.sh" "$DATA" status | grep -vc stopped)" != 0 ]; then
  die "daemons of $DATA are still running (rgw-stop.sh $DATA first)"
fi
if [ -e "$DATA" ]; then
  [ -f "$DATA/.rgw-lab" ] || [ -z "$(ls -A "$DATA")" ] || die "$DATA exists and was not made by this script; refusing to wipe it"
  rm -rf "$DATA"
fi
for port in "$RGW_PORT" "$MON_PORT"; do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && die "127.0.0.1:$port is already in use"
done
mkdir -p "$DATA"/{mon,osd,run,log,pids,crash}
touch "$DATA/.rgw-lab"

# on failure: show the log tails, stop what this run started, keep the data for a post-mortem
on_exit() {
  local rc=$?
  [ "$rc" = 0 ] && return
  set +e
  for f in "$DATA"/log/*.log "$DATA"/log/*.out; do [ -s "$f" ] && { echo "--- $f" >&2; tail -n 15 "$f" >&2; }; done
  bash "$HERE/rgw-ctl.sh" "$DATA" stop-all
  echo "[rgw-start] FAILED after $(( SECONDS - T0 ))s (rc=$rc); logs kept in $DATA/log" >&2
}
trap on_exit EXIT

# ---- config ------------------------------------------------------------------------------------
FSID=$(uuidgen)
cat > "$CONF" <<EOF
[global]
fsid = $FSID
mon host = v2:127.0.0.1:$MON_PORT
public addr = 127.0.0.1
cluster addr = 127.0.0.1
ms bind msgr1 = false
auth cluster required = none
auth service required = none
auth client required = none
# without cephx the default 'secure' mon client mode is impossible: radosgw would never listen (error -13)
ms mon client mode = crc
keyring = $DATA/keyring
run dir = $DATA/run
admin socket = $DATA/run/\$name.asok
pid file = $DATA/run/\$name.pid
log file = $DATA/log/\$name.log
crash dir = $DATA/crash
log to stderr = false
err to stderr = true
# one OSD: every pool has a single replica and few PGs
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon allow pool delete = true
mon warn on pool no redundancy = false
mon max pg per osd = 1000
mon data avail crit = 1
ms async op threads = 2

[mon]
mon data = $DATA/mon
mon cluster log file = $DATA/log/cluster.log
# rgw creates its pools one by one at first start; batching each osdmap change for 1 s makes that ~9 s
paxos propose interval = 0.05
mon warn on insecure global id reclaim allowed = false
mon memory target = 268435456
rocksdb cache size = 33554432

[osd]
osd data = $DATA/osd
osd objectstore = memstore
memstore device bytes = $MEMSTORE_BYTES
osd crush initial weight = 1
osd op num shards = 2
osd op num threads per shard = 1

[client.rgw.gw]
# tcp_nodelay: with Nagle on, every small GET over a kept-alive connection waits ~40 ms for a delayed ACK
rgw frontends = beast endpoint=127.0.0.1:$RGW_PORT tcp_nodelay=1
rgw thread pool size = 32
rgw enable usage log = false
EOF

# ---- monitor -----------------------------------------------------------------------------------
log "mon on 127.0.0.1:$MON_PORT"
monmaptool --create --fsid "$FSID" --addv a "[v2:127.0.0.1:$MON_PORT]" "$DATA/monmap" >/dev/null
ceph-authtool --create-keyring "$DATA/keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
ceph-mon -c "$CONF" --mkfs -i a --monmap "$DATA/monmap" --keyring "$DATA/keyring" >>"$DATA/log/mon-mkfs.out" 2>&1 \
  || die "ceph-mon --mkfs failed, see $DATA/log/mon-mkfs.out"
start_daemon mon ceph-mon -c "$CONF" -i a
wait_for "the mon" mon "${CEPH[@]}" mon stat

# ---- OSD (memstore: data in RAM, lost when the OSD stops) --------------------------------------
log "osd (memstore, $MEMSTORE_BYTES bytes)"
OSD_UUID=$(uuidgen)
OSD_ID=$("${CEPH[@]}" osd new "$OSD_UUID")
ceph-osd -c "$CONF" -i "$OSD_ID" --mkfs --osd-uuid "$OSD_UUID" >>"$DATA/log/osd-mkfs.out" 2>&1 \
  || die "ceph-osd --mkfs failed, see $DATA/log/osd-mkfs.out"
start_daemon osd ceph-osd -c "$CONF" -i "$OSD_ID"
osd_up() { "${CEPH[@]}" osd stat -f json 2>/dev/null | grep -q '"num_up_osds":1'; }
wait_for "the osd to be up" osd osd_up

# ---- radosgw + S3 user -------------------------------------------------------------------------
log "radosgw on 127.0.0.1:$RGW_PORT"
bash "$HERE/rgw-ctl.sh" "$DATA" start-rgw
log "S3 user '$RGW_UID'"
radosgw-admin -c "$CONF" -n client.admin user create --uid="$RGW_UID" --display-name="$RGW_UID" \
  --access-key="$RGW_ACCESS_KEY" --secret-key="$RGW_SECRET_KEY" \
  >"$DATA/log/user-create.json" 2>>"$DATA/log/radosgw-admin.out" \
  || die "radosgw-admin user create failed, see $DATA/log/radosgw-admin.out"

log "ready"
echo "S3_ENDPOINT=http://127.0.0.1:$RGW_PORT"
echo "S3_ACCESS_KEY=$RGW_ACCESS_KEY"
echo "S3_SECRET_KEY=$RGW_SECRET_KEY"
echo "CEPH_CONF=$CONF"
