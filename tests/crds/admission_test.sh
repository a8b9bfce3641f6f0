#!/usr/bin/env bash
# The CRDs against the real apiserver: they install and become Established,
# defaults are filled in, and invalid manifests are refused at admission
# with a message naming the field (schema bounds, enums, CEL rules).
set -euo pipefail
REPO="$(cd "$(dirname "$0")/../.." && pwd)"
[[ -n "${KUBECONFIG:-}" ]] || { echo "FAIL: KUBECONFIG unset (run under make test)" >&2; exit 1; }
NS="crd-test-$RANDOM$RANDOM"
trap 'kubectl delete namespace "$NS" --wait=false >/dev/null 2>&1 || true' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

kubectl apply -f "$REPO/crds/" >/dev/null
kubectl wait --for=condition=Established crd/pipelines.kappa.dev crd/reprocessings.kappa.dev --timeout=60s >/dev/null
kubectl create namespace "$NS" >/dev/null

pipeline() {  # pipeline NAME [extra spec YAML lines]
  cat <<YAML
apiVersion: kappa.dev/v1alpha1
kind: Pipeline
metadata: {name: $1, namespace: $NS}
spec:
  kafka: {bootstrapServers: "127.0.0.1:9092"}
  input: {topic: events}
  processor: {image: kappa.dev/kappa-processor:1, config: {key: user_id}}
  serving: {serviceName: $1}
${2:-}
YAML
}
# expect_rejected NAME EXPECTED-MESSAGE YAML
expect_rejected() {
  local out
  if out="$(echo "$3" | kubectl apply -f - 2>&1)"; then fail "$1 was accepted"; fi
  grep -qF "$2" <<<"$out" || fail "$1: expected '$2' in: $out"
}

pipeline ok | kubectl apply -f - >/dev/null
[[ "$(kubectl get kp ok -n "$NS" -o jsonpath='{.spec.rollout.maxLag}/{.spec.rollout.promotion}/{.spec.rollout.startFrom}/{.spec.output.partitions}/{.spec.processor.replicas}')" == "1000/Automatic/Earliest/6/1" ]] \
  || fail "defaults were not applied"
kubectl get pipelines.kappa.dev,reprocessings.kappa.dev -n "$NS" >/dev/null
kubectl get kappa -n "$NS" | grep -q "pipeline.kappa.dev/ok" || fail "category kappa does not list pipelines"

expect_rejected "negative maxLag" "spec.rollout.maxLag" "$(pipeline neg '  rollout: {maxLag: -1}')"
expect_rejected "unknown promotion" 'supported values: "Automatic", "Manual"' "$(pipeline promo '  rollout: {promotion: Sometimes}')"
expect_rejected "bad startFrom" "startFrom must be Earliest, Latest or an RFC 3339 time" "$(pipeline start '  rollout: {startFrom: yesterday}')"
expect_rejected "zero replicas" "spec.processor.replicas" "$(pipeline zero | sed 's/image: kappa.dev\/kappa-processor:1,/image: kappa.dev\/kappa-processor:1, replicas: 0,/')"
expect_rejected "missing image" "spec.processor.image: Required value" "$(pipeline noimg | sed 's/processor: {image: kappa.dev\/kappa-processor:1, /processor: {/')"
expect_rejected "bad service name" "spec.serving.serviceName" "$(pipeline Bad_Name)"
# Kafka names are built from the name: a dotted or over-long one is refused.
renamed() { pipeline svc | sed "s/{name: svc, namespace/{name: $1, namespace/"; }  # serviceName stays valid
expect_rejected "dotted name" "metadata.name must be a DNS label" "$(renamed y.p)"
expect_rejected "64-character name" "metadata.name must be a DNS label" "$(renamed "$(printf 'p%.0s' {1..64})")"
expect_rejected "prefix without its dot" "spec.output.topicPrefix" "$(pipeline pre '  output: {topicPrefix: "'"$NS"'"}')"
expect_rejected "prefix with a slash" "spec.output.topicPrefix" "$(pipeline pre '  output: {topicPrefix: "'"$NS"'.a/b."}')"
expect_rejected "retireAfter beyond ten years" "retireAfter is at most 87600h" "$(pipeline long '  rollout: {retireAfter: 3000000h}')"
expect_rejected "a resource quantity that is not one" "spec.processor.resources.limits.memory" \
  "$(pipeline res | sed 's/config: {key: user_id}}/config: {key: user_id}, resources: {limits: {memory: lots}}}/')"
expect_rejected "env with value and valueFrom" "an env entry sets value or valueFrom, not both" \
  "$(pipeline env | sed 's/config: {key: user_id}}/config: {key: user_id}, env: [{name: A, value: x, valueFrom: {fieldRef: {fieldPath: metadata.name}}}]}/')"
expect_rejected "input topic change" "input.topic is immutable" "$(pipeline ok | sed 's/topic: events/topic: other/')"
expect_rejected "both budget fields" "set exactly one of minAvailable and maxUnavailable" \
  "$(pipeline pdb '  podDisruptionBudget: {minAvailable: 1, maxUnavailable: 1}')"
expect_rejected "an empty budget" "set exactly one of minAvailable and maxUnavailable" "$(pipeline pdb '  podDisruptionBudget: {}')"
expect_rejected "a budget over 100%" "maxUnavailable is a count of at least 0 or a percentage" \
  "$(pipeline pdb '  podDisruptionBudget: {maxUnavailable: "150%"}')"
expect_rejected "a negative budget" "minAvailable is a count of at least 0 or a percentage" \
  "$(pipeline pdb '  podDisruptionBudget: {minAvailable: -1}')"
for budget in '{minAvailable: 1}' '{maxUnavailable: "25%"}'; do
  pipeline pdb "  podDisruptionBudget: $budget" | kubectl apply -f - >/dev/null || fail "budget $budget must be accepted"
done
pipeline ok '  rollout: {startFrom: "2026-11-01T00:00:00Z"}' | kubectl apply -f - >/dev/null || fail "an RFC 3339 startFrom must be accepted"

# Lambda mode (docs/lambda.md): architecture, spec.batch and their status.
lambda() {  # lambda NAME [BATCH-FLOW-MAP]
  local extra="  architecture: Lambda"
  [[ -z "${2:-}" ]] || extra+=$'\n'"  batch: $2"
  pipeline "$1" "$extra"
}
get() { kubectl get "$1" "$2" -n "$NS" -o jsonpath="$3"; }
accept() { echo "$2" | kubectl apply -f - >/dev/null || fail "$1 must be accepted"; }
[[ "$(get kp ok '{.spec.architecture}')" == "Kappa" ]] || fail "architecture does not default to Kappa"
accept "a Lambda pipeline without batch" "$(lambda lam)"
[[ "$(get kp lam '{.spec.architecture}/{.spec.batch}')" == "Lambda/" ]] || fail "lam: $(get kp lam '{.spec}')"
accept "every 1h" "$(lambda lam-every '{every: 1h}')"
[[ "$(get kp lam-every '{.spec.batch.every}/{.spec.batch.backoffLimit}')" == "1h/3" ]] \
  || fail "batch.backoffLimit does not default to 3: $(get kp lam-every '{.spec.batch}')"
accept "an empty batch (template changes and kappa.dev/batch-now only)" "$(lambda lam-none '{}')"
accept "every 1m" "$(lambda lam-min '{every: 1m}')"
accept "batch resources and backoffLimit" \
  "$(lambda lam-res '{backoffLimit: 0, resources: {requests: {cpu: 2}, limits: {memory: 8Gi}}}')"
n=0
for cron in "*/15 * * * *" "0 3 * * 1-5" "@daily" "@hourly" "@midnight" "@weekly" "@monthly" "@yearly" "@annually" \
    "0 0 * * 7" "59 23 31 12 0" "0,30 0-6,18-23 1,15 */2 1-5/2" "5/20 * * * *" " 0  3 * * * "; do
  n=$((n + 1))
  accept "schedule '$cron'" "$(lambda "lam-cron-$n" "{schedule: \"$cron\"}")"
done
[[ "$(get kp lam-cron-1 '{.spec.batch.schedule}/{.spec.batch.backoffLimit}')" == "*/15 * * * */3" ]] \
  || fail "lam-cron-1: $(get kp lam-cron-1 '{.spec.batch}')"

cron_message="schedule must be a cron expression (five fields: minute hour day-of-month month day-of-week, UTC)"
for cron in "61 * * * *" "* * *" "every day" "" "* * * * * *" "* 24 * * *" "* * 0 * *" "* * 32 * *" "* * * 0 *" \
    "* * * 13 *" "* * * * 8" "5-1 * * * *" "*/0 * * * *" "1,,2 * * * *" "-1 * * * *" "*-5 * * * *" "@sometimes" \
    "0 3 * * mon"; do
  expect_rejected "schedule '$cron'" "$cron_message" "$(lambda lam-bad "{schedule: \"$cron\"}")"
done
expect_rejected "schedule and every" "set at most one of schedule and every" \
  "$(lambda lam-bad '{schedule: "@daily", every: 1h}')"
expect_rejected "every 30s" "every is at least 1m" "$(lambda lam-bad '{every: 30s}')"
expect_rejected "every 0s" "every is at least 1m" "$(lambda lam-bad '{every: 0s}')"
expect_rejected "every beyond ten years" "every is at most 87600h" "$(lambda lam-bad '{every: 87601h}')"
for every in -1h soon 1d "" 1.5h; do
  expect_rejected "every '$every'" "spec.batch.every" "$(lambda lam-bad "{every: \"$every\"}")"
done
expect_rejected "a negative backoffLimit" "spec.batch.backoffLimit" "$(lambda lam-bad '{backoffLimit: -1}')"
expect_rejected "backoffLimit over 100" "spec.batch.backoffLimit" "$(lambda lam-bad '{backoffLimit: 101}')"
expect_rejected "a batch quantity that is not one" "spec.batch.resources.limits.memory" \
  "$(lambda lam-bad '{resources: {limits: {memory: lots}}}')"
expect_rejected "batch on a Kappa pipeline" "batch is only for architecture: Lambda" "$(pipeline kb '  batch: {every: 1h}')"
expect_rejected "batch on an explicit Kappa pipeline" "batch is only for architecture: Lambda" \
  "$(pipeline kb '  architecture: Kappa'$'\n''  batch: {every: 1h}')"
expect_rejected "an unknown architecture" 'supported values: "Kappa", "Lambda"' "$(pipeline arch '  architecture: Sigma')"
expect_rejected "Lambda to Kappa" "architecture is immutable; create a new Pipeline to change it" \
  "$(pipeline lam '  architecture: Kappa')"
out="$(kubectl patch kp ok -n "$NS" --type=merge -p '{"spec":{"architecture":"Lambda"}}' 2>&1)" && fail "Kappa became Lambda"
grep -qF "architecture is immutable" <<<"$out" || fail "Kappa to Lambda: $out"
# Removing the field reads as the default again: a Kappa pipeline stays Kappa.
kubectl patch kp ok -n "$NS" --type=merge -p '{"spec":{"architecture":null}}' >/dev/null || fail "architecture: null refused"
[[ "$(get kp ok '{.spec.architecture}')" == "Kappa" ]] || fail "architecture: null left $(get kp ok '{.spec.architecture}')"
# spec.batch changes in place.
kubectl patch kp lam-every -n "$NS" --type=merge -p '{"spec":{"batch":{"every":null,"schedule":"@weekly"}}}' >/dev/null \
  || fail "changing every to a schedule was refused"

# Status of a Lambda pipeline: kept as written (not pruned), outcome an enum.
kubectl patch kp lam -n "$NS" --subresource=status --type=merge -p '{"status":{
  "servingGeneration":{"version":2,"snapshot":{"0":120,"1":80},"snapshotAt":"2026-12-06T03:00:00Z",
    "batchCompletedAt":"2026-12-06T03:20:00Z"},
  "batchRuns":[{"version":2,"reprocessing":"lam-2","startedAt":"2026-12-06T03:00:00Z",
    "completedAt":"2026-12-06T03:20:00Z","records":200,"durationSeconds":1200,"outcome":"Succeeded"}],
  "lastGenerationStartedAt":"2026-12-06T03:00:00Z"}}' >/dev/null || fail "Lambda status refused"
[[ "$(get kp lam '{.status.servingGeneration.snapshot.1}/{.status.batchRuns[0].outcome}/{.status.batchRuns[0].records}/{.status.lastGenerationStartedAt}')" \
   == "80/Succeeded/200/2026-12-06T03:00:00Z" ]] || fail "Lambda status not kept: $(get kp lam '{.status}')"
out="$(kubectl patch kp lam -n "$NS" --subresource=status --type=merge \
  -p '{"status":{"batchRuns":[{"version":3,"outcome":"Maybe"}]}}' 2>&1)" && fail "outcome Maybe accepted"
grep -qF 'supported values: "Running", "Succeeded", "Failed"' <<<"$out" || fail "outcome: $out"
# Printer columns: Arch, and the serving batch's age.
out="$(kubectl get kp ok lam -n "$NS")"
grep -qE "^NAME +READY +ARCH +ACTIVE +CANDIDATE +LAG +PROGRESS +ETA +BATCH-AGE +AGE$" <<<"$out" || fail "columns: $out"
grep -qE "^ok +Kappa +[0-9]+[smhd]$" <<<"$out" || fail "ok's row (no batch yet): $out"
grep -qE "^lam +Lambda +[0-9]+[smhd] +[0-9]+[smhd]$" <<<"$out" || fail "lam's row (Batch-Age, Age): $out"

cat <<YAML | kubectl apply -f - >/dev/null
apiVersion: kappa.dev/v1alpha1
kind: Reprocessing
metadata: {name: r1, namespace: $NS}
spec: {pipelineRef: {name: ok}}
YAML
out="$(kubectl patch krp r1 -n "$NS" --type=merge -p '{"spec":{"pipelineRef":{"name":"other"}}}' 2>&1)" && fail "pipelineRef changed"
grep -q "pipelineRef is immutable" <<<"$out" || fail "pipelineRef: $out"
kubectl patch krp r1 -n "$NS" --type=merge -p '{"spec":{"abort":true}}' >/dev/null
out="$(kubectl patch krp r1 -n "$NS" --type=merge -p '{"spec":{"abort":false}}' 2>&1)" && fail "abort was undone"
grep -q "cannot be resumed" <<<"$out" || fail "abort: $out"

# trigger: one of three, settable once, then immutable; Lambda status fields.
kubectl patch krp r1 -n "$NS" --type=merge -p '{"spec":{"trigger":"Requested"}}' >/dev/null || fail "setting trigger refused"
out="$(kubectl patch krp r1 -n "$NS" --type=merge -p '{"spec":{"trigger":"Schedule"}}' 2>&1)" && fail "trigger changed"
grep -q "trigger is immutable" <<<"$out" || fail "trigger: $out"
out="$(kubectl patch krp r1 -n "$NS" --type=merge -p '{"spec":{"trigger":null}}' 2>&1)" && fail "trigger removed"
grep -q "trigger is immutable" <<<"$out" || fail "trigger removal: $out"
out="$(cat <<YAML | kubectl apply -f - 2>&1
apiVersion: kappa.dev/v1alpha1
kind: Reprocessing
metadata: {name: r2, namespace: $NS}
spec: {pipelineRef: {name: lam}, trigger: Cron}
YAML
)" && fail "trigger Cron accepted"
grep -qF 'supported values: "TemplateChange", "Schedule", "Requested"' <<<"$out" || fail "trigger Cron: $out"
kubectl patch krp r1 -n "$NS" --subresource=status --type=merge -p '{"status":{"phase":"Batching",
  "snapshot":{"0":120,"1":80},"snapshotAt":"2026-12-06T03:00:00Z","batchJob":"lam-v2-batch",
  "batchConsumerGroup":"kappa.ns.lam.v2.batch","batchTable":"ns.lam.v2.batch","batchStartedAt":"2026-12-06T03:00:01Z",
  "batchCompletedAt":"2026-12-06T03:20:00Z","batchRecords":200}}' >/dev/null || fail "Reprocessing Lambda status refused"
[[ "$(kubectl get krp r1 -n "$NS" -o jsonpath='{.status.phase}/{.status.snapshot.0}/{.status.batchJob}/{.status.batchRecords}/{.status.batchCompletedAt}')" \
   == "Batching/120/lam-v2-batch/200/2026-12-06T03:20:00Z" ]] || fail "Reprocessing status not kept: $(kubectl get krp r1 -n "$NS" -o jsonpath='{.status}')"
echo "PASS: CRDs install, default, and refuse invalid manifests with clear messages (Lambda fields included)"
