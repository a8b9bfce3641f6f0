#!/usr/bin/env bash
# Least privilege, proven on the real apiserver: the chart's ServiceAccount
# and RBAC are applied for real, and what the ServiceAccount may do beyond
# what every ServiceAccount may do must equal expected-rbac.txt exactly.
source "$(dirname "$0")/lib.sh"
need_stack
NS="$(unique chart-rbac)"
REL="$(unique rbac)"        # cluster-scoped names carry it: parallel runs do not collide
REL_NS="$(unique rbacns)"   # a second release with watchNamespace
SA="$REL-kappa-operator"
AS="system:serviceaccount:$NS:$SA"
OUT="$(mktemp -d)"
rbac() {  # rbac RELEASE HELM-ARGS...: the ServiceAccount and RBAC of a release
  local rel="$1"; shift
  helm template "$rel" "$CHART" -n "$NS" "$@" --show-only templates/serviceaccount.yaml --show-only templates/rbac.yaml
}
cleanup() {
  rbac "$REL" | kubectl delete --ignore-not-found -f - >/dev/null 2>&1 || true
  rbac "$REL_NS" --set watchNamespace="$NS" | kubectl delete --ignore-not-found -f - >/dev/null 2>&1 || true
  kubectl delete namespace "$NS" --wait=false >/dev/null 2>&1 || true
  rm -rf "$OUT"
}
trap cleanup EXIT
install_crds
kubectl create namespace "$NS" >/dev/null
rbac "$REL" | kubectl apply -f - >/dev/null
kubectl create serviceaccount baseline -n "$NS" >/dev/null  # no bindings: what everyone has

# No wildcard verb, resource, group or URL in any rendered rule.
for args in "" "--set watchNamespace=$NS"; do
  # shellcheck disable=SC2086
  rbac "$REL" $args | kubectl create --dry-run=client -o json -f - >"$OUT/rendered.json"
  python3 - "$OUT/rendered.json" <<'PY' || fail "a rendered RBAC rule uses '*' (${args:-default values})"
import json, sys
text, objs, i = open(sys.argv[1]).read(), [], 0
while text[i:].strip():  # kubectl prints one JSON document per object
    o, i = json.JSONDecoder().raw_decode(text, i + len(text[i:]) - len(text[i:].lstrip()))
    objs.append(o)
bad = [(o["metadata"]["name"], r) for o in objs for r in o.get("rules", [])
       if any("*" in v for k in ("verbs", "resources", "apiGroups", "nonResourceURLs", "resourceNames")
              for v in r.get(k, []))]
for name, rule in bad: print(f"  {name}: {rule}", file=sys.stderr)
if not any(o.get("rules") for o in objs): print("  no rules rendered", file=sys.stderr)
sys.exit(1 if bad or not any(o.get("rules") for o in objs) else 0)
PY
done

# The apiserver caches RBAC briefly; wait until the binding is in effect.
for _ in $(seq 50); do
  kubectl auth can-i get pipelines.kappa.dev -n "$NS" --as="$AS" >/dev/null 2>&1 && break
  sleep 0.2
done
can_i_list() {  # normalized, sorted `can-i --list` of a ServiceAccount in $NS
  kubectl auth can-i --list -n "$NS" --as="system:serviceaccount:$NS:$1" | tail -n +2 \
    | awk '{$1=$1; print}' | sed "s/\[$SA\]/[<fullname>]/g" | LC_ALL=C sort
}
can_i_list "$SA" >"$OUT/operator"
can_i_list baseline >"$OUT/baseline"
LC_ALL=C comm -13 "$OUT/operator" "$OUT/baseline" >"$OUT/lost"
[[ ! -s "$OUT/lost" ]] || fail "the operator lacks rights every ServiceAccount has: $(cat "$OUT/lost")"
LC_ALL=C comm -23 "$OUT/operator" "$OUT/baseline" >"$OUT/granted"
grep -v '^#' "$(dirname "$0")/expected-rbac.txt" >"$OUT/expected"
diff -u "$OUT/expected" "$OUT/granted" >&2 \
  || fail "the ServiceAccount's rights differ from tests/chart/expected-rbac.txt (- expected, + granted)"

# Spot checks that a wrong expected list could hide.
denied() {  # denied VERB RESOURCE [kubectl args...]
  if kubectl auth can-i "$1" "$2" --as="$AS" "${@:3}" >/dev/null 2>&1; then fail "the operator may $1 $2 ${*:3}"; fi
}
denied delete namespaces
denied list secrets -n "$NS"
denied create pods -n "$NS"
denied get leases.coordination.k8s.io -n default   # the Lease lives in the release namespace only
denied delete leases.coordination.k8s.io -n "$NS"
denied update leases.coordination.k8s.io/another-release -n "$NS"  # only its own Lease by name
denied get pods -n "$NS"
denied update pipelines.kappa.dev -n "$NS"
denied delete pipelines.kappa.dev -n "$NS"
denied update deployments.apps -n "$NS"
denied create clusterroles.rbac.authorization.k8s.io
kubectl auth can-i list pipelines.kappa.dev --all-namespaces --as="$AS" >/dev/null \
  || fail "the cluster-wide operator cannot list pipelines in all namespaces"

# watchNamespace: only a Role in that namespace, nothing cluster-wide.
AS_NS="system:serviceaccount:$NS:$REL_NS-kappa-operator"
rbac "$REL_NS" --set watchNamespace="$NS" | kubectl apply -f - >/dev/null
for _ in $(seq 50); do
  kubectl auth can-i watch pipelines.kappa.dev -n "$NS" --as="$AS_NS" >/dev/null 2>&1 && break
  sleep 0.2
done
kubectl auth can-i watch pipelines.kappa.dev -n "$NS" --as="$AS_NS" >/dev/null \
  || fail "with watchNamespace the operator cannot watch pipelines in it"
if kubectl auth can-i list pipelines.kappa.dev --all-namespaces --as="$AS_NS" >/dev/null 2>&1; then
  fail "with watchNamespace the operator may still list pipelines cluster-wide"
fi
if kubectl auth can-i get deployments.apps -n default --as="$AS_NS" >/dev/null 2>&1; then
  fail "with watchNamespace the operator may read Deployments outside it"
fi
echo "PASS: the ServiceAccount may do exactly expected-rbac.txt (no '*', no namespace deletion); watchNamespace stays namespaced"
