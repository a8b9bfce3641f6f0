#!/usr/bin/env bash
# Lambda vs Kappa (issue 19), with the real operator and processor pods on
# the local stack: one log of $KAPPA_BENCH_EVENTS user-activity events
# (default 10 M, 100 k users, 6 partitions), then
#   1. a Kappa Pipeline over it: its Reprocessing's start to its switch
#      (the replay) is the baseline;
#   2. a Lambda Pipeline over the same log: generation 1 (batch Job to a
#      snapshot + speed layer) and generation 2 on kappa.dev/batch-now, each
#      from its batch run's start to its switch;
#   3. 10,000 key lookups (after 1,000 to warm up) against the Kappa
#      version's pod and the Lambda speed layer's (the merged view).
# Times come from the objects' status (second resolution). Prints markdown.
# Needs the stack's env (eval "$(make -s stack-status)").
source "$(dirname "$0")/../../dev/lib.sh"

EVENTS="${KAPPA_BENCH_EVENTS:-10000000}"
USERS="${KAPPA_BENCH_USERS:-100000}"
LOOKUPS="${KAPPA_BENCH_LOOKUPS:-10000}"
NS=kappa-bench-lambda
[[ -n "${KAFKA_BOOTSTRAP_SERVERS:-}" ]] || fail "lambda benchmark" "" "KAFKA_BOOTSTRAP_SERVERS is unset; eval \"\$(make -s stack-status)\" first"

WORK="$BUILD_DIR/bench/lambda/runs/$(date +%s)"
mkdir -p "$WORK"
INPUT="bench.lambda.$(date +%s)"
run_step "build the Lambda benchmark" "$WORK/build.log" \
  cmake --build "$BUILD_DIR" --target replay_event_log lambda_lookup_latency kappa-operator kappa-processor

cleanup() {
  kubectl delete pipelines --all -n "$NS" --timeout=180s >>"$WORK/cleanup.log" 2>&1 || warn "cleanup: $WORK/cleanup.log"
  stop_component bench-operator
  kubectl delete namespace "$NS" --wait=false >>"$WORK/cleanup.log" 2>&1 || true
  "$BUILD_DIR/bench/processor/replay_event_log" delete --topic "$INPUT" >>"$WORK/cleanup.log" 2>&1 || true
}
trap cleanup EXIT

run_step "produce $EVENTS events to $INPUT" "$WORK/produce.log" \
  "$BUILD_DIR/bench/processor/replay_event_log" produce --topic "$INPUT" --events "$EVENTS" --users "$USERS" --partitions 6
kubectl apply --server-side --force-conflicts -f "$REPO_ROOT/crds/" >/dev/null
kubectl create namespace "$NS" --dry-run=client -o yaml | kubectl apply -f - >/dev/null
[[ -e "$STACK_DIR/pids/bench-operator" ]] && stop_component bench-operator
PORTS=($(free_ports 2))
start bench-operator "$BUILD_DIR/operator/kappa-operator" --kubeconfig "$KUBECONFIG" --watch-namespace "$NS" \
  --leader-election-namespace "$NS" --health-probe-bind-address "127.0.0.1:${PORTS[0]}" \
  --metrics-bind-address "127.0.0.1:${PORTS[1]}" --lag-poll-interval 1s
await bench-operator 60 curl -sf "http://127.0.0.1:${PORTS[0]}/readyz"

pipeline() {  # pipeline NAME ARCHITECTURE
  cat <<YAML
apiVersion: kappa.dev/v1alpha1
kind: Pipeline
metadata: {name: $1, namespace: $NS}
spec:
  architecture: $2
  kafka: {bootstrapServers: "$KAFKA_BOOTSTRAP_SERVERS"}
  input: {topic: "$INPUT"}
  processor:
    image: kappa.dev/kappa-processor:1
    config:
      key: user_id
      aggregates:
        total_events: {op: count}
        total_revenue: {op: sum, field: revenue}
        total_sessions: {op: count_distinct, field: session_id}
  output: {partitions: 6}
  serving: {serviceName: $1}
  rollout: {stableFor: 2s, retireAfter: 10m}
YAML
}
# seconds FROM-FIELD of the Reprocessing of version V of pipeline P until its promotedAt
seconds_to_switch() {
  kubectl get reprocessings -n "$NS" -l "kappa.dev/pipeline=$1,kappa.dev/version=$2" -o json | python3 -c '
import datetime, json, sys
s = json.load(sys.stdin)["items"][0]["status"]
t = lambda f: datetime.datetime.fromisoformat(s[f].replace("Z", "+00:00"))
print(int((t("promotedAt") - t(sys.argv[1])).total_seconds()),
      int((t("batchCompletedAt") - t("batchStartedAt")).total_seconds()) if "batchCompletedAt" in s else "-")' "$3"
}
serving_ip() {
  local version
  version="$(kubectl get service "$1" -n "$NS" -o jsonpath='{.spec.selector.kappa\.dev/version}')"
  kubectl get pods -n "$NS" -l "kappa.dev/pipeline=$1,kappa.dev/version=$version" -o jsonpath='{.items[0].status.podIP}'
}

log "Kappa: replaying $EVENTS events"
pipeline kstats Kappa | kubectl apply -f - >/dev/null
kubectl wait --for=condition=Ready pipeline/kstats -n "$NS" --timeout=1800s >/dev/null
read -r KAPPA_SWITCH _ < <(seconds_to_switch kstats 1 startedAt)

log "Lambda: generation 1"
pipeline lstats Lambda | kubectl apply -f - >/dev/null
kubectl wait --for=condition=Ready pipeline/lstats -n "$NS" --timeout=1800s >/dev/null
read -r GEN1_SWITCH GEN1_BATCH < <(seconds_to_switch lstats 1 batchStartedAt)
log "Lambda: generation 2 (kappa.dev/batch-now)"
kubectl annotate pipeline lstats -n "$NS" kappa.dev/batch-now=true >/dev/null
deadline=$((SECONDS + 1800))
until [[ "$(kubectl get service lstats -n "$NS" -o jsonpath='{.spec.selector.kappa\.dev/version}')" == 2 ]]; do
  ((SECONDS < deadline)) || fail "lambda benchmark" "$STACK_DIR/logs/bench-operator.log" "generation 2 never switched"
  sleep 1
done
read -r GEN2_SWITCH GEN2_BATCH < <(seconds_to_switch lstats 2 batchStartedAt)

log "lookups: $LOOKUPS per view, after 1,000 to warm up"
lookups() {  # lookups PIPELINE SEED -> "p50 p99 misses"
  local ip
  ip="$(serving_ip "$1")"
  "$BUILD_DIR/bench/lambda/lambda_lookup_latency" --host "$ip" --users "$USERS" --lookups 1000 --seed 99 >/dev/null
  "$BUILD_DIR/bench/lambda/lambda_lookup_latency" --host "$ip" --users "$USERS" --lookups "$LOOKUPS" --seed "$2"
}
read -r K_P50 K_P99 K_MISS < <(lookups kstats 1)
read -r L_P50 L_P99 L_MISS < <(lookups lstats 1)

python3 - "$EVENTS" "$KAPPA_SWITCH" "$GEN1_SWITCH" "$GEN1_BATCH" "$GEN2_SWITCH" "$GEN2_BATCH" \
  "$K_P50" "$K_P99" "$L_P50" "$L_P99" "$LOOKUPS" <<'PY'
import sys
n, kappa, g1, b1, g2, b2, kp50, kp99, lp50, lp99, lookups = sys.argv[1:]
n, kappa, g1, g2 = int(n), int(kappa), int(g1), int(g2)
print(f"\n## Lambda vs Kappa: {n:,} events, 6 partitions, one broker, real operator and pods\n")
print("| run | seconds to the switch | of which the batch run | vs Kappa replay |")
print("|---|---:|---:|---:|")
print(f"| Kappa: a version's replay (baseline) | {kappa} | – | 1.00 |")
print(f"| Lambda generation 1: batch Job to the snapshot, then the speed layer | {g1} | {b1} | {g1 / kappa:.2f} |")
print(f"| Lambda generation 2 (batch-now), beside generation 1 serving | {g2} | {b2} | {g2 / kappa:.2f} |")
print(f"\n## Lookup latency: {int(lookups):,} GETs of random keys, one connection each\n")
print("| view | p50 µs | p99 µs | p50 vs Kappa | p99 vs Kappa |")
print("|---|---:|---:|---:|---:|")
print(f"| Kappa version (baseline) | {kp50} | {kp99} | 1.00 | 1.00 |")
print(f"| Lambda speed layer, merge(batch, speed) | {lp50} | {lp99} | {int(lp50) / int(kp50):.2f} | {int(lp99) / int(kp99):.2f} |")
print("\nTimes include stableFor (2 s) and the operator's 1 s lag polls; status times have one-second resolution.")
PY
