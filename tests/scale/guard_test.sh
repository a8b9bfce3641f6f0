#!/usr/bin/env bash
# scale.guard_100: 100 Pipelines of the idle processor over 4 namespaces,
# with limits on what the operator costs at rest and on how it polls lag.
# Counts and ratios only, no wall times, so that a busy machine does not
# fail it. About 2-3 minutes. Exit 77 = skipped (no stack, and
# KAPPA_REQUIRE_STACK unset).
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD="${KAPPA_BUILD_DIR:-$REPO/build}"

if [[ -z "${KUBECONFIG:-}" || -z "${KAFKA_BOOTSTRAP_SERVERS:-}" ]]; then
  eval "$("$REPO/dev/stack-status.sh" 2>/dev/null)" || true
fi
if [[ -z "${KUBECONFIG:-}" || -z "${KAFKA_BOOTSTRAP_SERVERS:-}" ]]; then
  [[ "${KAPPA_REQUIRE_STACK:-}" == 1 ]] && { echo "FAIL: no local stack in the environment" >&2; exit 1; }
  echo "SKIPPED LOUDLY: no local stack (run \`make stack-up\` first, or use \`make test\`)" >&2
  exit 77
fi
kubectl apply --server-side --force-conflicts -f "$REPO/crds/" >/dev/null

LOGS="$(mktemp -d "${TMPDIR:-/tmp}/kappa-scale-guard.XXXXXX")"
echo "operator logs: $LOGS"
# cpu_pct: % of one core at rest; api_rps, kafka_cps: per second at rest;
# lag_calls_per_poll: Kafka lag calls per --lag-poll-interval while 100
# versions catch up at once (one batched round would be 1).
exec "$BUILD/bench/scale/scale_driver" --operator "$BUILD/operator/kappa-operator" \
  --sizes 100 --namespaces 4 --changes 5 --catch-ups 100 \
  --rest-seconds 20 --lag-poll-seconds 15 --log-dir "$LOGS" \
  --limit 'cpu_pct<=2' --limit 'api_rps<=2' --limit 'kafka_cps<=0.5' --limit 'lag_calls_per_poll<=2'
