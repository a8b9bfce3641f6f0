#!/usr/bin/env bash
# Stops the processes `stack-up.sh` started (by their pid files) and every
# process in their sessions (pods the node agent ran), then waits until none
# is left. Logs stay in $STACK_DIR/logs for reading.
source "$(dirname "$0")/lib.sh"
quiet=0; [[ "${1:-}" == --quiet ]] && quiet=1
say() { ((quiet)) || log "$@"; }

PIDS="$STACK_DIR/pids"
[[ -d "$PIDS" ]] || { say "no stack in $STACK_DIR"; exit 0; }

# Each component was started with setsid, so its pid is also its session id.
session_alive() { pgrep -s "$1" >/dev/null 2>&1; }

stop_component() {
  local name="$1" file="$PIDS/$1" sid
  [[ -f "$file" ]] || return 0
  sid="$(cat "$file")"
  if session_alive "$sid"; then
    say "stopping $name (session $sid)"
    pkill -TERM -s "$sid" 2>/dev/null || true
    local deadline=$((SECONDS + 20))
    while session_alive "$sid" && ((SECONDS < deadline)); do sleep 0.2; done
    if session_alive "$sid"; then
      warn "$name did not stop within 20s; killing it"
      pkill -KILL -s "$sid" 2>/dev/null || true
      while session_alive "$sid"; do sleep 0.1; done
    fi
  fi
  rm -f "$file"
}

# Pods first (the agent stops them), then Kafka, then the control plane
# from the top down so nothing restarts what was just stopped.
for c in node-agent kafka kube-scheduler kube-controller-manager kube-apiserver etcd; do
  stop_component "$c"
done
for f in "$PIDS"/*; do [[ -e "$f" ]] && stop_component "$(basename "$f")"; done
rm -f "$STACK_DIR/env"
say "stack in $STACK_DIR stopped"
