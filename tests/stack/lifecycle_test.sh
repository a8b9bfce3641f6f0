#!/usr/bin/env bash
# Brings up a second local stack beside whatever is running, checks it
# serves, brings it down, and asserts none of its processes are left and its
# ports are closed. Also checks the stack that was already running survives.
set -euo pipefail
REPO="$(cd "$(dirname "$0")/../.." && pwd)"
DIR="$(mktemp -d "${TMPDIR:-/tmp}/kappa-stack-test.XXXXXX")"
export KAPPA_STACK_DIR="$DIR"
trap '"$REPO/dev/stack-down.sh" --quiet || true; rm -rf "$DIR"' EXIT

check() { if ! eval "$1"; then echo "FAIL: $2" >&2; exit 1; fi; }

"$REPO/dev/stack-up.sh"
check '"$REPO/dev/stack-status.sh" >"$DIR/status.sh"' "stack-status must succeed on a running stack"
# shellcheck disable=SC1091
( source "$DIR/status.sh"
  check 'kubectl get --raw /readyz | grep -q ok' "the second apiserver must be ready"
  check 'kubectl get node kappa-node-1 -o jsonpath="{.status.conditions[?(@.type==\"Ready\")].status}" | grep -q True' \
        "the second node agent must report its node Ready"
  check 'kcat -b "$KAFKA_BOOTSTRAP_SERVERS" -L -m 5 | grep -q "1 brokers"' "the second broker must answer metadata"
)
API_PORT="$(grep -o 'KAPPA_API_SERVER=https://127.0.0.1:[0-9]*' "$DIR/status.sh" | grep -o '[0-9]*$')"
KAFKA_PORT="$(grep -o 'KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:[0-9]*' "$DIR/status.sh" | grep -o '[0-9]*$')"
SESSIONS=$(cat "$DIR"/pids/*)

"$REPO/dev/stack-down.sh"
for sid in $SESSIONS; do
  check '! pgrep -s "$sid" >/dev/null' "processes of session $sid remain after stack-down: $(pgrep -a -s "$sid" || true)"
done
check '! pgrep -f "$DIR" >/dev/null' "a process mentioning $DIR remains: $(pgrep -af "$DIR" || true)"
for port in "$API_PORT" "$KAFKA_PORT"; do
  check '! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null' "port $port still accepts connections"
done
check '! "$REPO/dev/stack-status.sh" --quiet' "stack-status must fail once the stack is down"

# The stack the rest of the suite uses (if any) must be untouched.
if [[ -n "${KUBECONFIG:-}" ]] && command -v kubectl >/dev/null; then
  check 'kubectl get --raw /readyz >/dev/null' "the suite's own stack must still be ready"
fi
echo "PASS: second stack came up beside the first and went down without leftovers"
