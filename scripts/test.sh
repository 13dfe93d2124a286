#!/usr/bin/env bash
# Runs the whole test suite: unit, integration (real ffmpeg over RTMP, real Ceph RGW) and browser tests.
# Starts a throwaway RGW (scripts/rgw-start.sh) unless TEST_S3_ENDPOINT is already set, and stops it after.
# Extra args are passed to node's test runner as file filters, e.g. `npm test -- test/unit`.
set -euo pipefail
cd "$(dirname "$0")/.."
export TEST_OUTPUT_DIR=${TEST_OUTPUT_DIR:-$PWD/test-output}
mkdir -p "$TEST_OUTPUT_DIR"

started_rgw=0
# set before the cluster starts, so a half-started one is stopped too
cleanup() { [ "$started_rgw" = 1 ] && bash scripts/rgw-stop.sh "$RGW_DATA" --purge >/dev/null 2>&1 || true; }
trap cleanup EXIT
if [ -z "${TEST_S3_ENDPOINT:-}" ] && [ "${SKIP_RGW:-0}" != 1 ]; then
  # a private cluster per run (own dir, first free ports from 7480/3300): runs side by side never stop each other's RGW
  free_port() { local p=$1; while (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; do p=$((p + 1)); done; echo "$p"; }
  export RGW_PORT=${RGW_PORT:-$(free_port 7480)}
  export MON_PORT=${MON_PORT:-$(free_port 3300)}
  export RGW_DATA=${RGW_DATA:-$(mktemp -d /tmp/lcg-test-rgw.XXXXXX)}
  started_rgw=1
  bash scripts/rgw-start.sh "$RGW_DATA" > "$TEST_OUTPUT_DIR/rgw-env.txt"
  export TEST_S3_ENDPOINT="http://127.0.0.1:$RGW_PORT"
  export TEST_S3_ACCESS_KEY=${RGW_ACCESS_KEY:-testkey} TEST_S3_SECRET_KEY=${RGW_SECRET_KEY:-testsecret}
  export TEST_RGW_DATA=$RGW_DATA
fi

mapfile -t files < <(find "${@:-test}" -name '*.test.ts' | sort)
[ ${#files[@]} -gt 0 ] || { echo "test.sh: no *.test.ts under: ${*:-test}" >&2; exit 1; }
# one file at a time: integration tests spawn ffmpeg and browsers; 2 cores
node --import tsx --test --test-concurrency=1 --test-reporter=spec "${files[@]}"
