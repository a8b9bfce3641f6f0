#!/usr/bin/env bash
# Stops the processes `stack-up.sh` started (by their pid files) and every
# process in their sessions (pods the node agent ran), then waits until none
# is left. Logs stay in $STACK_DIR/logs for reading.
source "$(dirname "$0")/lib.sh"
quiet=0; [[ "${1:-}" == --quiet ]] && quiet=1
say() { ((quiet)) || log "$@"; }

PIDS="$STACK_DIR/pids"
[[ -d "$PIDS" ]] || { say "no stack in $STACK_DIR"; exit 0; }

stop_one() {
  [[ -f "$PIDS/$1" ]] || return 0
  say "stopping $1 (session $(cat "$PIDS/$1"))"
  stop_component "$1"
}

# Pods first (the agent stops them), then Kafka, then the control plane
# from the top down so nothing restarts what was just stopped.
for c in node-agent kafka kube-scheduler kube-controller-manager kube-apiserver etcd; do
  stop_one "$c"
done
for f in "$PIDS"/*; do [[ -e "$f" ]] && stop_one "$(basename "$f")"; done
rm -f "$STACK_DIR/env"
say "stack in $STACK_DIR stopped"
