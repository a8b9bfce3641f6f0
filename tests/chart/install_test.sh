#!/usr/bin/env bash
# The README's "install on a cluster", for real: `helm install` the chart on
# the local stack, where the node agent runs the operator image as the
# locally built binary in-cluster, with only the chart's ServiceAccount token
# and RBAC (watchNamespace set, leader election on). A Pipeline applied in
# that namespace must become Ready with its Service selecting v1.
source "$(dirname "$0")/lib.sh"
need_stack
[[ -n "${KAFKA_BOOTSTRAP_SERVERS:-}" && -n "${KAPPA_STACK_DIR:-}" ]] \
  || no_stack "KAFKA_BOOTSTRAP_SERVERS/KAPPA_STACK_DIR unset: not the local stack"
IMAGE=ghcr.io/kappa-dev/kappa-operator
exe="$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["images"].get(sys.argv[2], ""))' \
  "$KAPPA_STACK_DIR/images.json" "$IMAGE")" || fail "cannot read $KAPPA_STACK_DIR/images.json"
[[ -n "$exe" ]] || fail "the stack's image map has no $IMAGE (a stack from before it was added: restart it)"
[[ -x "$exe" ]] || fail "$IMAGE maps to $exe, which is not built (dev/build.sh)"

NS="$(unique chart-install)"
REL="$(unique inst)"
TOPIC="$NS-events"
SELECTOR="app.kubernetes.io/instance=$REL"
# Pods share the host's ports and the operator binds all addresses: take
# free ones, not 8080/8081 (processor pods use 8080 on their own IPs).
PORTS=($(python3 "$REPO/dev/free-ports.py" 2)); PROBE_PORT="${PORTS[0]}"; METRICS_PORT="${PORTS[1]}"

passed=0
cleanup() {
  if ((!passed)); then
    echo "--- operator pod(s), status and log:" >&2
    kubectl get pods -n "$NS" -o wide >&2 || true
    for pod in $(kubectl get pods -n "$NS" -l "$SELECTOR" -o name 2>/dev/null); do
      kubectl get "$pod" -n "$NS" -o jsonpath='{.status.containerStatuses}{"\n"}' >&2 || true
      kubectl logs "$pod" -n "$NS" --tail=100 >&2 || true
    done
    kubectl get pipelines -n "$NS" -o yaml >&2 || true
  fi
  # Pipelines first: their finalizer needs the operator.
  kubectl delete pipelines --all -n "$NS" --timeout=120s >/dev/null 2>&1 \
    || echo "warning: Pipelines in $NS not deleted in time" >&2
  helm uninstall "$REL" -n "$NS" --wait --timeout 120s >/dev/null 2>&1 || true
  kubectl delete namespace "$NS" --wait=false >/dev/null 2>&1 || true
  kafka_topics --delete --if-exists --topic "$TOPIC" >/dev/null 2>&1 || true
}
trap cleanup EXIT

kafka_topics --create --topic "$TOPIC" --partitions 1 --replication-factor 1 >/dev/null \
  || fail "cannot create Kafka topic $TOPIC"
for i in 1 2 3; do
  echo "u$i:{\"user_id\":\"u$i\",\"revenue\":$i,\"session_id\":\"s$i\"}"
done | kcat -P -b "$KAFKA_BOOTSTRAP_SERVERS" -t "$TOPIC" -K: || fail "cannot produce to $TOPIC"

# What a newcomer runs (README), plus free ports and a namespace of its own.
helm install "$REL" "$CHART" -n "$NS" --create-namespace \
  --set watchNamespace="$NS" --set logFormat=text --set logLevel=debug \
  --set metrics.port="$METRICS_PORT" --set healthProbePort="$PROBE_PORT" \
  --wait --timeout 180s >/dev/null || fail "helm install did not get the operator Ready (its /readyz probe)"
kubectl wait --for=condition=Ready pod -l "$SELECTOR" -n "$NS" --timeout=60s >/dev/null \
  || fail "the operator pod is not Ready"
POD="$(kubectl get pods -n "$NS" -l "$SELECTOR" -o jsonpath='{.items[0].metadata.name}')"

# In-cluster, by the mounted service-account token, and the elected leader.
log="$(kubectl logs "$POD" -n "$NS")" || fail "kubectl logs $POD failed"
[[ "$log" == *"in-cluster service account"* ]] || fail "the operator did not use its in-cluster service-account config"
deadline=$((SECONDS + 60))
until [[ "$(kubectl get leases -n "$NS" -o jsonpath='{.items[*].spec.holderIdentity}')" == *"$POD"* ]]; do
  ((SECONDS < deadline)) || fail "no Lease in $NS held by $POD"
  sleep 0.5
done

kubectl apply -f - >/dev/null <<YAML || fail "cannot apply the Pipeline"
apiVersion: kappa.dev/v1alpha1
kind: Pipeline
metadata: {name: stats, namespace: $NS}
spec:
  kafka: {bootstrapServers: "$KAFKA_BOOTSTRAP_SERVERS"}
  input: {topic: $TOPIC}
  processor:
    image: kappa.dev/kappa-processor:1
    replicas: 1
    config:
      key: user_id
      aggregates:
        total_events: {op: count}
        total_revenue: {op: sum, field: revenue}
  output: {partitions: 1, replicationFactor: 1}
  serving: {serviceName: stats, port: 8080}
  rollout: {maxLag: 0, stableFor: 2s, retireAfter: 5s, keepRetiredTables: 0}
YAML
kubectl wait --for=condition=Ready pipeline/stats -n "$NS" --timeout=180s >/dev/null \
  || fail "Pipeline stats never got Ready under the in-cluster operator"
deadline=$((SECONDS + 60))
until [[ "$(kubectl get service stats -n "$NS" -o jsonpath='{.spec.selector.kappa\.dev/version}' 2>/dev/null)" == 1 ]]; do
  ((SECONDS < deadline)) || fail "Service stats does not select version 1"
  sleep 0.5
done
passed=1
echo "PASS: helm install ran the operator in-cluster (ServiceAccount token, chart RBAC, leader); Pipeline Ready, Service on v1"
