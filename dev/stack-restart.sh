#!/usr/bin/env bash
# stack-restart.sh COMPONENT [DOWN_SECONDS]: stops one component of the
# running stack (kube-apiserver, kafka, ...), keeps it down for DOWN_SECONDS
# (default 0), starts it again with the same command line and waits until it
# is ready. Fault tests use it to restart the apiserver or the broker.
source "$(dirname "$0")/lib.sh"
name="${1:?usage: stack-restart.sh COMPONENT [DOWN_SECONDS]}"
down="${2:-0}"
[[ -f "$STACK_DIR/cmd/$name" ]] || fail "restart $name" "" "no component '$name' in $STACK_DIR"

log "stopping $name"
stop_component "$name"
sleep "$down"
log "starting $name again"
eval "start $name $(cat "$STACK_DIR/cmd/$name")"
eval "await $name 120 $(cat "$STACK_DIR/ready/$name")"
log "$name is back"
