#!/usr/bin/env bash
# The rendered chart is accepted by the real apiserver (server-side dry run,
# so admission and schema validation run), for each documented variant, and
# renders what the operator needs: image, args, probes, ports, security.
source "$(dirname "$0")/lib.sh"
need_stack
NS="$(unique chart-dry)"
REL="$(unique dry)"
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"; kubectl delete namespace "$NS" --wait=false >/dev/null 2>&1 || true' EXIT
install_crds
kubectl create namespace "$NS" >/dev/null

# dry_run VARIANT HELM-ARGS...: apply the render with --dry-run=server; the
# objects as the apiserver would store them go to $OUT/VARIANT.json.
dry_run() {
  local variant="$1"; shift
  local rendered
  rendered="$(helm template "$REL" "$CHART" -n "$NS" --include-crds "$@")" || fail "$variant: helm template failed"
  kubectl apply --dry-run=server -o json -f - <<<"$rendered" >"$OUT/$variant.json" 2>"$OUT/$variant.err" \
    || fail "$variant: the apiserver refused the render:"$'\n'"$(cat "$OUT/$variant.err")"
}
dry_run default
dry_run replicas2 --set replicaCount=2
dry_run namespaced --set watchNamespace="$NS" --set logFormat=text --set logLevel=debug
# No ServiceMonitor CRD on the stack: render it only, and check it is there.
helm template "$REL" "$CHART" -n "$NS" --set serviceMonitor.enabled=true --show-only templates/servicemonitor.yaml \
  | grep -q '^kind: ServiceMonitor$' || fail "serviceMonitor.enabled=true renders no ServiceMonitor"
if helm template "$REL" "$CHART" -n "$NS" | grep -q 'kind: ServiceMonitor'; then
  fail "a ServiceMonitor is rendered while serviceMonitor.enabled=false"
fi

python3 - "$OUT" "$NS" "$REL" <<'PY' || fail "rendered objects are not as expected (see above)"
import json, sys
out, ns, rel = sys.argv[1:]
full = rel + "-kappa-operator"
errors = []
def check(cond, what):
    if not cond: errors.append(what)

def load(variant):
    doc = json.load(open(f"{out}/{variant}.json"))
    items = doc["items"] if doc.get("kind") == "List" else [doc]
    return {(o["kind"], o["metadata"]["name"]): o for o in items}

labels = ["name", "instance", "version", "component", "part-of", "managed-by"]
for variant in ["default", "replicas2", "namespaced"]:
    objs = load(variant)
    for (kind, name), o in objs.items():
        if kind == "CustomResourceDefinition": continue
        got = o["metadata"].get("labels", {})
        missing = [l for l in labels if "app.kubernetes.io/" + l not in got]
        check(not missing, f"{variant}: {kind}/{name} lacks labels {missing}")
    d = objs.get(("Deployment", full))
    check(d is not None, f"{variant}: no Deployment {full}")
    if d is None: continue
    spec = d["spec"]["template"]["spec"]
    c = spec["containers"][0]
    check(d["spec"]["replicas"] == (2 if variant == "replicas2" else 1), f"{variant}: replicas")
    check(c["image"] == "ghcr.io/kappa-dev/kappa-operator:0.1.0", f"{variant}: image {c['image']}")
    want_args = ["--leader-elect", "--leader-election-namespace=$(POD_NAMESPACE)",
                 "--leader-election-id=" + full,
                 "--metrics-bind-address=:8080", "--health-probe-bind-address=:8081"]
    want_args += (["--log-format=text", "--log-level=debug", "--watch-namespace=" + ns] if variant == "namespaced"
                  else ["--log-format=json", "--log-level=info"])
    check(c["args"] == want_args, f"{variant}: args {c['args']}")
    env = {e["name"]: e for e in c.get("env", [])}
    check(env.get("POD_NAMESPACE", {}).get("valueFrom", {}).get("fieldRef", {}).get("fieldPath") == "metadata.namespace",
          f"{variant}: POD_NAMESPACE not from the downward API")
    ports = {p["name"]: p["containerPort"] for p in c["ports"]}
    check(ports.get("metrics") == 8080, f"{variant}: metrics port {ports}")
    for probe, path in [("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")]:
        g = c.get(probe, {}).get("httpGet", {})
        check(g.get("path") == path and g.get("port") in ("probes", 8081), f"{variant}: {probe} {g}")
    check(ports.get(c["livenessProbe"]["httpGet"]["port"], 8081) == 8081, f"{variant}: probe port is not 8081")
    sc = c["securityContext"]
    check(sc.get("runAsNonRoot") is True and sc.get("runAsUser") == 65532, f"{variant}: runAsNonRoot/runAsUser")
    check(sc.get("readOnlyRootFilesystem") is True, f"{variant}: readOnlyRootFilesystem")
    check(sc.get("allowPrivilegeEscalation") is False, f"{variant}: allowPrivilegeEscalation")
    check(sc.get("capabilities", {}).get("drop") == ["ALL"], f"{variant}: capabilities")
    check(spec["securityContext"].get("seccompProfile", {}).get("type") == "RuntimeDefault", f"{variant}: seccomp")
    check("requests" in c.get("resources", {}) and "limits" in c["resources"], f"{variant}: resources")
    svc = objs.get(("Service", full + "-metrics"))
    check(svc is not None and svc["spec"]["ports"][0]["name"] == "metrics", f"{variant}: metrics Service")
    kinds = {k for k, _ in objs}
    if variant == "namespaced":
        check("ClusterRole" not in kinds and "ClusterRoleBinding" not in kinds, "namespaced: cluster-wide RBAC rendered")
        check(objs.get(("Role", full), {}).get("metadata", {}).get("namespace") == ns, "namespaced: no Role in watchNamespace")
    else:
        check({"ClusterRole", "ClusterRoleBinding"} <= kinds, f"{variant}: no ClusterRole/Binding")
    check(("Role", full + "-leader-election") in objs, f"{variant}: no leader-election Role")
    lease_rules = objs.get(("Role", full + "-leader-election"), {}).get("rules", [])
    check(any(r.get("resourceNames") == [full] and "update" in r["verbs"] for r in lease_rules),
          f"{variant}: the Lease is not limited to its name: {lease_rules}")
    np = objs.get(("NetworkPolicy", full), {}).get("spec", {})
    allowed = sorted(p["port"] for rule in np.get("ingress", []) for p in rule.get("ports", []))
    check(np.get("policyTypes") == ["Ingress"] and allowed == ["metrics", "probes"],
          f"{variant}: NetworkPolicy must admit only the metrics and probe ports: {np}")
for e in errors: print("  -", e, file=sys.stderr)
sys.exit(1 if errors else 0)
PY
echo "PASS: the rendered chart passes server-side dry run (default, replicaCount=2, watchNamespace) and has the expected shape"
