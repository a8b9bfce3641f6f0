#!/usr/bin/env bash
# `make demo`: the Kappa rollout end to end on the local stack. Sets up and
# builds what is missing, starts the stack and the operator, streams user
# events, serves per-user stats from v1, then edits the view definition and
# shows v2 replay the log, catch up, take over the Service and v1 retire.
# `make demo ARCH=lambda` (ARCH=lambda dev/demo.sh) runs the same set-up and
# then the Lambda story instead (dev/demo-lambda.sh).
source "$(dirname "$0")/lib.sh"
NS=kappa-demo
PIPELINE=user-stats
TOPIC=user-activity
RATE=${KAPPA_DEMO_RATE:-200}

step() { printf '\n\033[1;32m### %s\033[0m\n' "$*" >&2; }

step "1/8 Set up and build (apt packages, control plane, Kafka jars, operator, processor)"
"$DEV_DIR/install-deps.sh"
"$DEV_DIR/build.sh"
"$DEV_DIR/stack-status.sh" --quiet || "$DEV_DIR/stack-up.sh"
eval "$("$DEV_DIR/stack-status.sh" 2>/dev/null)"
export PATH="$BUILD_DIR/plugin:$PATH"
kubectl get nodes

step "2/8 Install the CRDs and start kappa-operator (log: $STACK_DIR/logs/operator.log)"
kubectl apply --server-side --force-conflicts -f "$REPO_ROOT/crds/" >/dev/null
kubectl wait --for=condition=Established crd/pipelines.kappa.dev crd/reprocessings.kappa.dev --timeout=60s
for old in operator demo-events; do [[ -e "$STACK_DIR/pids/$old" ]] && stop_component "$old"; done
PORTS=($(free_ports 2)); PROBE_PORT="${PORTS[0]}"; METRICS_PORT="${PORTS[1]}"
start operator "$BUILD_DIR/operator/kappa-operator" --kubeconfig "$KUBECONFIG" \
  --leader-election-namespace kube-system --health-probe-bind-address "127.0.0.1:$PROBE_PORT" \
  --metrics-bind-address "127.0.0.1:$METRICS_PORT" --lag-poll-interval 2s
await operator 60 curl -sf "http://127.0.0.1:$PROBE_PORT/readyz"
kubectl create namespace "$NS" --dry-run=client -o yaml | kubectl apply -f - >/dev/null
# A previous run's Pipeline goes first (its finalizer removes its topics).
kubectl delete pipeline "$PIPELINE" -n "$NS" --ignore-not-found --timeout=120s
kubectl delete events.events.k8s.io --all -n "$NS" >/dev/null

PRELOAD=${KAPPA_DEMO_HISTORY:-300000}
step "3/8 Write $PRELOAD events of history, then stream $RATE/s into '$TOPIC' (keyed by user_id)"
start demo-events "$BUILD_DIR/demo/kappa-demo-events" --bootstrap-servers "$KAFKA_BOOTSTRAP_SERVERS" \
  --topic "$TOPIC" --rate "$RATE" --users 100 --preload "$PRELOAD"
sleep 5
# kcat stops after 4 records itself: piped into head, it could die of
# SIGPIPE, and pipefail would end the demo here.
kcat -b "$KAFKA_BOOTSTRAP_SERVERS" -C -t "$TOPIC" -o -2 -c 4 -e -q -f '  key %k  %s\n' 2>/dev/null

# The sample Pipeline, pointed at this stack's broker, with a short
# stability window and rollback window so the demo takes minutes, not hours.
manifest() {
  sed -e "s|bootstrapServers: .*|bootstrapServers: $KAFKA_BOOTSTRAP_SERVERS|" \
      -e "s|stableFor: .*|stableFor: 10s|" -e "s|retireAfter: .*|retireAfter: 30s|" \
      "$REPO_ROOT/examples/user-stats.yaml"
}
status() {
  if command -v kubectl-kappa >/dev/null; then kubectl kappa status "$PIPELINE" -n "$NS"; else kubectl get kp,krp -n "$NS"; fi
}
service_version() { kubectl get service "$PIPELINE" -n "$NS" -o jsonpath='{.spec.selector.kappa\.dev/version}' 2>/dev/null; }
# operator_events REASON|REASON... N: the last N of the operator's Events with these reasons.
operator_events() {
  kubectl get events.events.k8s.io -n "$NS" --sort-by=.eventTime \
    -o custom-columns=REASON:.reason,OBJECT:.regarding.name,NOTE:.note 2>/dev/null |
    grep -E "^($1) " | tail -n "$2"
}
# The Service has no endpoints on this stack (no kube-proxy): ask the pods
# it selects, by their IPs.
query() {
  local version ip
  version="$(service_version)"
  ip="$(kubectl get pods -n "$NS" -l "kappa.dev/pipeline=$PIPELINE,kappa.dev/version=$version" \
        -o jsonpath='{.items[0].status.podIP}')"
  echo "Service $PIPELINE selects v$version; asking pod $ip:8080"
  for user in u-1 u-2 u-3; do
    printf '  GET /v1/keys/%s -> ' "$user"
    curl -s "http://$ip:8080/v1/keys/$user"
    echo
  done
}

if [[ "${ARCH:-kappa}" == lambda ]]; then
  # shellcheck source=demo-lambda.sh
  source "$DEV_DIR/demo-lambda.sh"
  exit 0
fi
[[ "${ARCH:-kappa}" == kappa ]] || fail "demo" "" "ARCH must be kappa or lambda (it is '$ARCH')"

step "4/8 Apply the user-stats Pipeline (count, revenue sum, distinct sessions per user)"
manifest | kubectl apply -n "$NS" -f -
kubectl wait --for=condition=Ready "pipeline/$PIPELINE" -n "$NS" --timeout=300s
status

step "5/8 Query the serving version"
query

step "6/8 GitOps edit: the view gains max_revenue -> a new version replays the log beside v1"
manifest | sed '/total_sessions:/a\        max_revenue: {op: max, field: revenue}' | kubectl apply -n "$NS" -f -
deadline=$((SECONDS + 300))
until [[ "$(service_version)" == 2 ]] && ! kubectl get deployment "$PIPELINE-v1" -n "$NS" >/dev/null 2>&1; do
  ((SECONDS < deadline)) || { status; fail "demo" "$STACK_DIR/logs/operator.log" "v2 did not take over within 300 s"; }
  echo; date +%T; status
  sleep 3
done

step "7/8 v2 serves (with max_revenue); v1 is retired"
status
query
echo "The operator's Events:"
operator_events 'VersionCreated|ReprocessingCreated|CaughtUp|Switched|Retired|TableDeleted' 10

step "8/8 Summary"
cat <<MSG
The operator built v2 beside v1 with a fresh consumer group and table, replayed
the log, switched the Service only after v2's lag stayed within maxLag for
stableFor, kept v1 warm for retireAfter, then retired it (Deployment, group,
table). Events keep flowing at $RATE/s; both keep running on the stack.

  eval "\$(make -s stack-status)"              # use the stack from your shell
  kubectl kappa status $PIPELINE -n $NS -w     # watch (PATH=$BUILD_DIR/plugin:\$PATH)
  tail -f $STACK_DIR/logs/operator.log         # the operator's log
  make stack-down                              # stop everything (operator and producer too)
MSG
