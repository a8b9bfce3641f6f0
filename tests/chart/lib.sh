# Shared by the chart tests: finds helm, kubectl and the local stack the way
# the other integration tests do. Source it; do not run it.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CHART="$REPO/charts/kappa-operator"
SKIP=77  # SKIP_RETURN_CODE in CMakeLists.txt

fail() { echo "FAIL: $*" >&2; exit 1; }

# Without the stack: fail under `make test` (KAPPA_REQUIRE_STACK=1), else skip loudly.
no_stack() {
  if [[ "${KAPPA_REQUIRE_STACK:-}" == 1 ]]; then fail "$*"; fi
  echo "SKIPPED LOUDLY: $* (run \`make stack-up\` first, or use \`make test\`)" >&2
  exit "$SKIP"
}

# The pinned helm and kubectl the dev/ scripts build, ahead of any others on PATH.
use_stack_tools() {
  # shellcheck source=../../dev/versions.env
  source "$REPO/dev/versions.env"
  local cache="${KAPPA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kappa-operator}" d
  for d in "$cache/kubernetes-$KUBE_VERSION/bin" "$cache/helm-$HELM_VERSION/bin"; do
    [[ -d "$d" ]] && PATH="$d:$PATH"
  done
  export PATH
}

need_helm() {
  use_stack_tools
  command -v helm >/dev/null || no_stack "helm not found (dev/build-helm.sh builds it)"
}

# KUBECONFIG from the environment (make test), else from the running stack.
need_stack() {
  need_helm
  if [[ -z "${KUBECONFIG:-}" ]]; then
    eval "$("$REPO/dev/stack-status.sh" 2>/dev/null)" || true
    use_stack_tools
  fi
  [[ -n "${KUBECONFIG:-}" ]] || no_stack "local stack not found: KUBECONFIG is unset"
  command -v kubectl >/dev/null || no_stack "kubectl not found"
  kubectl get --raw /readyz >/dev/null 2>&1 || no_stack "the apiserver of $KUBECONFIG does not answer"
}

# A name unique to this run, for namespaces, releases and cluster objects.
unique() { echo "$1-$$-$RANDOM"; }

install_crds() {
  kubectl apply -f "$REPO/crds/" >/dev/null
  kubectl wait --for=condition=Established crd/pipelines.kappa.dev crd/reprocessings.kappa.dev --timeout=60s >/dev/null
}

# kafka_topics ARGS...: Kafka's own topic tool, from the stack's jars.
kafka_topics() {
  "$REPO/dev/kafka-tool.sh" org.apache.kafka.tools.TopicCommand --bootstrap-server "$KAFKA_BOOTSTRAP_SERVERS" "$@"
}
