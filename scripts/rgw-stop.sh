#!/usr/bin/env bash
# @module scripts/rgw-stop: stop the test cluster rgw-start.sh made (rgw -> osd -> mon); safe to run twice.
#
# usage: rgw-stop.sh [DATA_DIR] [--purge]
#   --purge  also delete DATA_DIR afterwards (only when it carries rgw-start.sh's .rgw-lab marker)
# To stop only radosgw and keep the objects (storage-outage tests) use rgw-ctl.sh DATA_DIR stop-rgw.
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
DATA=${1:-/tmp/rgw-data}
PURGE=${2:-}
[ -z "$PURGE" ] || [ "$PURGE" = --purge ] || { echo "[rgw-stop] unknown option '$PURGE' (only --purge)" >&2; exit 2; }

if [ -d "$DATA/pids" ]; then
  bash "$HERE/rgw-ctl.sh" "$DATA" stop-all
else
  echo "[rgw-stop] no $DATA/pids: nothing to stop" >&2
fi

if [ "$PURGE" = --purge ] && [ -d "$DATA" ]; then
  if [ -f "$DATA/.rgw-lab" ]; then rm -rf "$DATA"; echo "[rgw-stop] removed $DATA" >&2
  else echo "[rgw-stop] $DATA was not made by rgw-start.sh: not removing it" >&2; fi
fi
exit 0
