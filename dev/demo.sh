#!/usr/bin/env bash
# `make demo`: for now, sets up everything, builds, brings the local stack up
# and shows what runs on it. It grows into the full Kappa rollout demo.
source "$(dirname "$0")/lib.sh"
"$DEV_DIR/install-deps.sh"
"$DEV_DIR/build.sh"
"$DEV_DIR/stack-up.sh"
eval "$("$DEV_DIR/stack-status.sh" 2>/dev/null)"
log "the control plane"
kubectl version
kubectl get nodes -o wide
kubectl get --raw='/readyz?verbose' | tail -n 3
log "the Kafka broker at $KAFKA_BOOTSTRAP_SERVERS"
kcat -b "$KAFKA_BOOTSTRAP_SERVERS" -L -m 5 | head -n 3
log "the operator against this cluster"
"$BUILD_DIR/operator/kappa-operator" --kubeconfig "$KUBECONFIG"
cat <<MSG

The local stack is running. Use it from your shell with:
    eval "\$(make -s stack-status)"
Stop it with:
    make stack-down
MSG
