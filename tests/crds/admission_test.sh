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
echo "PASS: CRDs install, default, and refuse invalid manifests with clear messages"
