#!/usr/bin/env bash
# Prints the stack's environment as shell lines (eval them) and, on stderr,
# the state of each component. Exit 1 when the stack is not (fully) running.
source "$(dirname "$0")/lib.sh"
quiet=0; [[ "${1:-}" == --quiet ]] && quiet=1

if [[ ! -f "$STACK_DIR/env" ]]; then
  ((quiet)) || echo "# no local stack running in $STACK_DIR (make stack-up)" >&2
  exit 1
fi
ok=1
for c in etcd kube-apiserver kube-controller-manager kube-scheduler node-agent kafka; do
  pid="$(cat "$STACK_DIR/pids/$c" 2>/dev/null || true)"
  if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
    ((quiet)) || printf '# %-24s running (pid %s)\n' "$c" "$pid" >&2
  else
    ((quiet)) || printf '# %-24s NOT RUNNING (log: %s)\n' "$c" "$STACK_DIR/logs/$c.log" >&2
    ok=0
  fi
done
((quiet)) || cat "$STACK_DIR/env"
((ok))
