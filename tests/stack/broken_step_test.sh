#!/usr/bin/env bash
# A broken step stops stack-up with a message naming the step and the log to
# read, a non-zero exit, and no process left running.
set -euo pipefail
REPO="$(cd "$(dirname "$0")/../.." && pwd)"
DIR="$(mktemp -d "${TMPDIR:-/tmp}/kappa-broken-test.XXXXXX")"
BLOCKER_PID=""
trap '[[ -n "$BLOCKER_PID" ]] && kill "$BLOCKER_PID" 2>/dev/null; KAPPA_STACK_DIR="$DIR" "$REPO/dev/stack-down.sh" --quiet || true; rm -rf "$DIR"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }

# Case 1: a port that is already in use.
BLOCKED_PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
python3 -c "import socket,time; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('127.0.0.1',$BLOCKED_PORT)); s.listen(); time.sleep(600)" &
BLOCKER_PID=$!
for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$BLOCKED_PORT") 2>/dev/null && break; sleep 0.1; done
if KAPPA_STACK_DIR="$DIR/a" KAPPA_KAFKA_PORT="$BLOCKED_PORT" "$REPO/dev/stack-up.sh" 2>"$DIR/a.err"; then
  fail "stack-up succeeded although the Kafka port $BLOCKED_PORT was taken"
fi
grep -q 'FAILED step "allocate ports"' "$DIR/a.err" || fail "no step named for a busy port: $(cat "$DIR/a.err")"
grep -q "KAPPA_KAFKA_PORT=$BLOCKED_PORT is already in use" "$DIR/a.err" || fail "busy port not named: $(cat "$DIR/a.err")"
! pgrep -f "$DIR/a" >/dev/null || fail "processes left after a busy port: $(pgrep -af "$DIR/a")"

# Case 2: a component that exits during start-up, after etcd is running.
if KAPPA_STACK_DIR="$DIR/b" KAPPA_ETCD_COMPACTION_INTERVAL=not-a-duration \
   "$REPO/dev/stack-up.sh" 2>"$DIR/b.err"; then
  fail "stack-up succeeded with a kube-apiserver that cannot start"
fi
grep -q 'FAILED step "start kube-apiserver"' "$DIR/b.err" || fail "step not named: $(cat "$DIR/b.err")"
grep -q "read $DIR/b/logs/kube-apiserver.log" "$DIR/b.err" || fail "log file not named: $(cat "$DIR/b.err")"
! pgrep -f "$DIR/b" >/dev/null || fail "processes left after a failed start: $(pgrep -af "$DIR/b")"
echo "PASS: broken steps are named with their logs and leave nothing running"
