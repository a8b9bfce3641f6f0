#!/usr/bin/env bash
# kubectl kappa against the real apiserver of the local stack, with no
# operator running: the test writes Pipeline/Reprocessing status itself
# (status subresource) and plays the operator's part where a command waits
# for one (rollback). Usage: kubectl_kappa_test.sh DIR-OF-kubectl-kappa
set -euo pipefail
REPO="$(cd "$(dirname "$0")/../.." && pwd)"
BIN_DIR="${1:?usage: $0 DIR-OF-kubectl-kappa}"
fail() { echo "FAIL: $*" >&2; exit 1; }
[[ -n "${KUBECONFIG:-}" ]] || fail "KUBECONFIG unset (run under make test, or eval \"\$(dev/stack-status.sh)\")"
[[ -x "$BIN_DIR/kubectl-kappa" ]] || fail "$BIN_DIR/kubectl-kappa is not built (ninja kubectl-kappa)"
export PATH="$BIN_DIR:$PATH"  # kubectl finds plugins on PATH
NS="plugin-test-$RANDOM$RANDOM"
TMP="$(mktemp -d)"
BG=""
cleanup() {
  [[ -z "$BG" ]] || kill "$BG" 2>/dev/null || true
  kubectl delete namespace "$NS" --wait=false >/dev/null 2>&1 || true
  rm -rf "$TMP"
}
trap cleanup EXIT

# expect CODE WANT-SUBSTRING CMD...: exit code and a substring of stdout+stderr.
expect() {
  local code="$1" want="$2" out rc=0
  shift 2
  out="$("$@" 2>&1)" || rc=$?
  [[ "$rc" == "$code" ]] || fail "$* exited $rc, want $code:"$'\n'"$out"
  grep -qF -- "$want" <<<"$out" || fail "$*: want '$want' in:"$'\n'"$out"
  LAST="$out"
}
field() { kubectl get "$1" "$2" -n "$NS" -o jsonpath="$3"; }
status_patch() { kubectl patch "$1" "$2" -n "$NS" --subresource=status --type=merge -p "$3" >/dev/null; }

kubectl apply --server-side --force-conflicts --field-manager=kappa-plugin-test -f "$REPO/crds/" >/dev/null
kubectl wait --for=condition=Established crd/pipelines.kappa.dev crd/reprocessings.kappa.dev --timeout=60s >/dev/null
kubectl create namespace "$NS" >/dev/null

kubectl apply -n "$NS" -f - >/dev/null <<YAML
apiVersion: kappa.dev/v1alpha1
kind: Pipeline
metadata: {name: stats}
spec:
  kafka: {bootstrapServers: "127.0.0.1:9092"}
  input: {topic: events}
  processor: {image: kappa.dev/kappa-processor:1}
  serving: {serviceName: stats-svc}
  rollout: {promotion: Manual}
---
apiVersion: v1
kind: Service
metadata: {name: stats-svc}
spec:
  selector: {kappa.dev/pipeline: stats, kappa.dev/version: "2"}
  ports: [{name: http, port: 8080}]
---
apiVersion: kappa.dev/v1alpha1
kind: Pipeline
metadata: {name: gen}
spec:
  kafka: {bootstrapServers: "127.0.0.1:9092"}
  input: {topic: events}
  processor: {image: kappa.dev/kappa-processor:1}
  serving: {serviceName: gen}
  architecture: Lambda
  batch: {schedule: "@daily"}
---
apiVersion: kappa.dev/v1alpha1
kind: Reprocessing
metadata: {name: stats-2}
spec: {pipelineRef: {name: stats}}
---
apiVersion: kappa.dev/v1alpha1
kind: Reprocessing
metadata: {name: stats-3}
spec: {pipelineRef: {name: stats}}
---
apiVersion: kappa.dev/v1alpha1
kind: Reprocessing
metadata: {name: unrelated-9}
spec: {pipelineRef: {name: unrelated}}
YAML

# This test plays the operator. One reconciling all namespaces (make demo
# leaves one running on the shared stack) would overwrite the status it
# writes, so it is detected (its finalizer appears) and the test skipped.
for _ in $(seq 15); do
  if [[ "$(field kp stats '{.metadata.finalizers}')" == *kappa.dev/cleanup* ]]; then
    echo "SKIP: a kappa-operator reconciles namespace $NS (make demo's?); run under make test's own stack" >&2
    exit 77
  fi
  sleep 0.1
done

T="2026-11-24T16:00:00Z"
cond() { echo "{\"type\":\"$1\",\"status\":\"$2\",\"reason\":\"$3\",\"message\":\"$4\",\"lastTransitionTime\":\"$T\"}"; }
status_patch kp stats '{"status":{"observedGeneration":1,"activeVersion":2,"candidateVersion":3,"versions":[
  {"version":1,"templateHash":"aaaaaaaaaa","state":"Retired","since":"2026-11-24T12:00:00Z"},
  {"version":2,"templateHash":"bbbbbbbbbb","state":"Active","since":"2026-11-24T14:00:00Z"},
  {"version":3,"templateHash":"cccccccccc","state":"CatchingUp","lag":12345,"since":"2026-11-24T16:55:00Z"}],
  "conditions":['"$(cond Ready True Serving "v2 serves"),$(cond Reconciling True CatchingUp "v3 is catching up"),$(cond Stalled False AsExpected "")"']}}'
status_patch krp stats-2 '{"status":{"version":2,"templateHash":"bbbbbbbbbb","phase":"Succeeded",
  "startedAt":"2026-11-24T13:00:00Z","completedAt":"2026-11-24T13:12:30Z"}}'
status_patch krp stats-3 '{"status":{"version":3,"templateHash":"cccccccccc","phase":"CatchingUp","startLag":23300,
  "lag":12345,"progressPercent":47,"recordsPerSecond":1234,"etaSeconds":80,"startedAt":"2026-11-24T16:55:00Z"}}'
status_patch krp unrelated-9 '{"status":{"version":9,"phase":"CatchingUp"}}'

# status: header, conditions, the versions and the candidate's progress.
expect 0 "Pipeline   stats (namespace $NS)" kubectl kappa status stats -n "$NS"
for want in "Service    stats-svc" "Active     v2" "Candidate  v3 (Reprocessing stats-3, phase CatchingUp)" \
    "Reconciling  True    CatchingUp  v3 is catching up" \
    "v3       CatchingUp  cccccccccc" "lag 12,345   [#######-------]  47%  1,234 rec/s  ETA 1m20s" \
    "v2       Active      bbbbbbbbbb" "v1       Retired     aaaaaaaaaa"; do
  grep -qF -- "$want" <<<"$LAST" || fail "status: want '$want' in:"$'\n'"$LAST"
done
# The namespace defaults to the kubeconfig context's.
kubectl config view --raw > "$TMP/kubeconfig"
kubectl --kubeconfig "$TMP/kubeconfig" config set-context --current --namespace "$NS" >/dev/null
expect 0 "Pipeline   stats (namespace $NS)" kubectl kappa status stats --kubeconfig "$TMP/kubeconfig"
# --watch off a terminal: frames separated by a line, until Ctrl-C (exit 0).
expect 0 "---- " timeout --preserve-status -s INT 2.5 kubectl kappa status stats -n "$NS" -w --interval 300ms
(( $(grep -c "^Pipeline   stats" <<<"$LAST") >= 2 )) || fail "watch drew fewer than 2 frames:"$'\n'"$LAST"

# history: the pipeline's Reprocessings only, by version, with durations.
expect 0 "stats-2  v2       Succeeded   2026-11-24T13:00:00Z  2026-11-24T13:12:30Z  12m30s" kubectl kappa history stats -n "$NS"
grep -qE "^stats-3  v3       CatchingUp  2026-11-24T16:55:00Z  -  +[0-9hms]+ so far  cccccccccc$" <<<"$LAST" \
  || fail "history: no running stats-3 row in:"$'\n'"$LAST"
! grep -q unrelated <<<"$LAST" || fail "history lists another pipeline's Reprocessing"

# promote: refused while catching up, then sets spec.promote.
expect 1 "v3 of pipeline stats is not Promotable yet (Reprocessing stats-3: phase CatchingUp, lag 12,345)" \
  kubectl kappa promote stats -n "$NS"
[[ "$(field krp stats-3 '{.spec.promote}')" == "false" ]] || fail "a refused promote patched spec.promote"
status_patch krp stats-3 '{"status":{"phase":"Promotable","lag":0,"progressPercent":100,"etaSeconds":0}}'
expect 0 "(waiting for: kubectl kappa promote)" kubectl kappa status stats -n "$NS"
expect 0 "promoted v3 of pipeline stats (Reprocessing stats-3)" kubectl kappa promote stats -n "$NS"
[[ "$(field krp stats-3 '{.spec.promote}')" == "true" ]] || fail "promote did not set spec.promote"

# abort: spec.abort on the same in-flight one; none left once it is final.
expect 0 "aborted v3 of pipeline stats (Reprocessing stats-3, phase Promotable)" kubectl kappa abort stats -n "$NS"
[[ "$(field krp stats-3 '{.spec.abort}')" == "true" ]] || fail "abort did not set spec.abort"
[[ "$(field krp stats-2 '{.spec.abort}')" == "false" ]] || fail "abort touched a finished Reprocessing"
status_patch krp stats-3 '{"status":{"phase":"Aborted"}}'
expect 1 "pipeline stats has no reprocessing in flight in namespace $NS: nothing to promote" kubectl kappa promote stats -n "$NS"
expect 1 "nothing to abort" kubectl kappa abort stats -n "$NS"

# pause / resume.
expect 0 "pipeline stats paused" kubectl kappa pause stats -n "$NS"
[[ "$(field kp stats '{.spec.paused}')" == "true" ]] || fail "pause did not set spec.paused"
expect 0 "PAUSED" kubectl kappa status stats -n "$NS"
expect 0 "pipeline stats resumed" kubectl kappa resume stats -n "$NS"
[[ "$(field kp stats '{.spec.paused}')" == "false" ]] || fail "resume did not clear spec.paused"

# rollback with no operator: the annotation is set and the wait times out.
expect 1 "no rollback within 2s: the operator has not acted on the request" \
  kubectl kappa rollback stats -n "$NS" --timeout 2s
[[ "$(field kp stats '{.metadata.annotations.kappa\.dev/rollback}')" == "true" ]] || fail "rollback annotation not set"
expect 1 "no rollback within 1s" kubectl kappa rollback stats -n "$NS" --to-version 1 --timeout 1s
[[ "$(field kp stats '{.metadata.annotations.kappa\.dev/rollback}')" == "1" ]] || fail "--to-version not in the annotation"

# rollback answered: play the operator, which flips the selector ...
answer_rollback() {  # answer_rollback flip|refuse
  for _ in $(seq 100); do
    [[ -n "$(field kp stats '{.metadata.annotations.kappa\.dev/rollback}' 2>/dev/null)" ]] && break
    sleep 0.1
  done
  if [[ "$1" == flip ]]; then
    kubectl patch svc stats-svc -n "$NS" --type=merge -p '{"spec":{"selector":{"kappa.dev/version":"1"}}}' >/dev/null
  else
    kubectl create -n "$NS" -f - >/dev/null <<YAML
apiVersion: events.k8s.io/v1
kind: Event
metadata: {generateName: stats-}
eventTime: "$(date -u +%Y-%m-%dT%H:%M:%S.000000Z)"
reportingController: kappa.dev/operator
reportingInstance: plugin-test
action: Rollback
reason: RollbackUnavailable
type: Warning
note: "rollback refused: v1 is retired (its Deployment is gone)"
regarding: {apiVersion: kappa.dev/v1alpha1, kind: Pipeline, name: stats, namespace: $NS}
YAML
  fi
  kubectl annotate kp stats -n "$NS" kappa.dev/rollback- >/dev/null
}
kubectl annotate kp stats -n "$NS" kappa.dev/rollback- >/dev/null
answer_rollback flip & BG=$!
expect 0 "rolled back pipeline stats: v2 -> v1 (Service stats-svc)" kubectl kappa rollback stats -n "$NS" --timeout 20s
wait "$BG"; BG=""
# ... or refuses with an Event.
answer_rollback refuse & BG=$!
expect 1 "the operator refused the rollback of pipeline stats: rollback refused: v1 is retired" \
  kubectl kappa rollback stats -n "$NS" --to-version 1 --timeout 20s
wait "$BG"; BG=""

# batch: refused on a Kappa pipeline (nothing written), annotates a Lambda one.
expect 1 "pipeline stats is architecture Kappa: batch runs are for architecture Lambda" kubectl kappa batch stats -n "$NS"
[[ -z "$(field kp stats '{.metadata.annotations.kappa\.dev/batch-now}')" ]] || fail "batch annotated a Kappa pipeline"
expect 0 "batch run of pipeline gen requested (kappa.dev/batch-now=true): the operator starts a new generation" \
  kubectl kappa batch gen -n "$NS"
[[ "$(field kp gen '{.metadata.annotations.kappa\.dev/batch-now}')" == "true" ]] || fail "batch-now annotation not set"
expect 0 "it already was and the operator has not started it yet" kubectl kappa batch gen -n "$NS"

# Unknown pipeline, bad usage: exit 1 and a clear message.
for cmd in status history promote abort pause resume rollback batch; do
  expect 1 "pipeline nope not found in namespace $NS" kubectl kappa "$cmd" nope -n "$NS"
done
expect 1 "PIPELINE is required" kubectl kappa status -n "$NS"
expect 0 "--to-version" kubectl kappa rollback --help
expect 0 "kappa.dev/batch-now" kubectl kappa batch --help
echo "PASS: kubectl kappa status/history/promote/abort/pause/resume/rollback/batch against the apiserver"
