# `make demo ARCH=lambda`, sourced by demo.sh after the shared set-up (stack,
# operator, events streaming): a Lambda Pipeline's first generation, events
# landing in its speed layer, a second batch run, the switch to generation 2,
# and merged answers checked against a recomputation from the whole log.

lambda_manifest() {
  sed -e "s|bootstrapServers: .*|bootstrapServers: $KAFKA_BOOTSTRAP_SERVERS|" \
      -e "s|stableFor: .*|stableFor: 10s|" -e "s|retireAfter: .*|retireAfter: 30s|" \
      "$REPO_ROOT/examples/user-stats-lambda.yaml"
}
generation_of() { kubectl get reprocessings -n "$NS" -l "kappa.dev/version=$1" -o json; }
show_generation() {
  generation_of "$1" | python3 -c '
import json, sys
for r in json.load(sys.stdin)["items"]:
    s = r.get("status", {})
    print("  generation %s: snapshot %s (%s records), Job %s %s -> %s, phase %s" % (
        s.get("version"), json.dumps(s.get("snapshot")), s.get("batchRecords"), s.get("batchJob"),
        s.get("batchStartedAt"), s.get("batchCompletedAt"), s.get("phase")))'
}
# Count, revenue and distinct sessions of u-1..u-3 over the whole topic, folded
# here. math.fsum is the exact sum rounded once, as the processor sums: the
# revenues must match to the last digit, not merely to a rounding.
recompute() {
  kcat -b "$KAFKA_BOOTSTRAP_SERVERS" -C -t "$TOPIC" -o beginning -e -q -f '%s\n' 2>/dev/null | python3 -c '
import json, math, sys
rows = {}
for line in sys.stdin:
    e = json.loads(line)
    if e.get("user_id") not in ("u-1", "u-2", "u-3"): continue
    r = rows.setdefault(e["user_id"], [0, [], set()])
    r[0] += 1; r[1].append(e.get("revenue", 0)); r[2].add(e.get("session_id"))
for user in sorted(rows):
    count, revenue, sessions = rows[user]
    print(user, count, repr(math.fsum(revenue)), len(sessions))'
}
served() {
  local version ip user
  version="$(service_version)"
  ip="$(kubectl get pods -n "$NS" -l "kappa.dev/pipeline=$PIPELINE,kappa.dev/version=$version" \
        -o jsonpath='{.items[0].status.podIP}')"
  for user in u-1 u-2 u-3; do
    curl -s "http://$ip:8080/v1/keys/$user" | python3 -c '
import json, sys
a = json.load(sys.stdin); v = a["value"]
print(a["key"], v["total_events"], repr(float(v["total_revenue"])), v["total_sessions"])'
  done
}

step "4/8 Apply the Lambda user-stats Pipeline: generation 1 = a batch Job up to a snapshot + a speed layer"
lambda_manifest | kubectl apply -n "$NS" -f -
kubectl wait --for=condition=Ready "pipeline/$PIPELINE" -n "$NS" --timeout=300s
show_generation 1
kubectl get jobs -n "$NS"
status

step "5/8 Query: each answer merges the batch table with the speed layer and names its generation and snapshot"
query
sleep 5
echo "Five seconds later (events after the snapshot land in the speed layer):"
query

step "6/8 kubectl kappa batch $PIPELINE: generation 2's batch run folds everything up to a new snapshot"
kubectl kappa batch "$PIPELINE" -n "$NS"
deadline=$((SECONDS + 300))
until [[ "$(service_version)" == 2 ]]; do
  ((SECONDS < deadline)) || { status; fail "demo" "$STACK_DIR/logs/operator.log" "generation 2 did not take over within 300 s"; }
  echo; date +%T; status
  sleep 3
done
show_generation 2
query

step "7/8 Stop the events; the merged answers equal a recomputation from the whole log"
stop_component demo-events
recompute > "$STACK_DIR/demo-recomputed.txt"
echo "recomputed (user count revenue sessions):"; sed 's/^/  /' "$STACK_DIR/demo-recomputed.txt"
deadline=$((SECONDS + 60))
until served | diff -q - "$STACK_DIR/demo-recomputed.txt" >/dev/null; do
  ((SECONDS < deadline)) || { served; fail "demo" "$STACK_DIR/logs/operator.log" "merged answers differ from the recomputation"; }
  sleep 2
done
echo "served by generation $(service_version) (merge of batch and speed):"; served | sed 's/^/  /'
echo "They match."
operator_events 'GenerationStarted|BatchStarted|BatchCompleted|GenerationSwitched|Retired' 10

step "8/8 Summary"
cat <<MSG
Generation 1: the operator recorded a snapshot of the input's offsets, ran the
processor bounded up to it as a Job (the batch table), then started the speed
layer at exactly that snapshot; answers merge both. 'kubectl kappa batch' made
generation 2 the same way beside it and switched the Service in one write once
its speed layer had caught up; generation 1 retires after retireAfter.
The producer is stopped; start it again with 'make demo'.

  eval "\$(make -s stack-status)"              # use the stack from your shell
  kubectl kappa status $PIPELINE -n $NS        # (PATH=$BUILD_DIR/plugin:\$PATH)
  make stack-down                              # stop everything
MSG
