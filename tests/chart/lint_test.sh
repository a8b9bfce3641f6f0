#!/usr/bin/env bash
# helm lint --strict passes for the default values and the documented
# variants, and the schema refuses what it must.
source "$(dirname "$0")/lib.sh"
need_helm

lint() {
  local out
  out="$(helm lint --strict "$CHART" "$@" 2>&1)" || fail "helm lint --strict $*:"$'\n'"$out"
}
lint
lint --set replicaCount=2
lint --set serviceMonitor.enabled=true
lint --set watchNamespace=team-a --set logFormat=text --set logLevel=debug

refused() {  # refused WHAT --set ...: the schema must reject it
  local what="$1"; shift
  if helm lint --strict "$CHART" "$@" >/dev/null 2>&1; then fail "values.schema.json accepted $what"; fi
}
refused "replicaCount=3" --set replicaCount=3
refused "an unknown top-level value" --set replicas=2
refused "logFormat=xml" --set logFormat=xml
refused "a string replicaCount" --set-string replicaCount=two
echo "PASS: helm lint --strict (default, replicaCount=2, serviceMonitor, watchNamespace); schema refuses bad values"
