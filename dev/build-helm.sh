#!/usr/bin/env bash
# Builds helm $HELM_VERSION from the Go module proxy, once per machine. Its
# default Kubernetes version is set to the stack's so `helm template` and
# capability checks see the real cluster version.
source "$(dirname "$0")/lib.sh"

BIN="$(helm_bin_dir)"
if [[ -x "$BIN/helm" ]]; then log "helm $HELM_VERSION cached in $BIN"; exit 0; fi
LOGS="$KAPPA_CACHE/helm-$HELM_VERSION"
mkdir -p "$BIN" "$LOGS"
KMINOR="$(echo "$KUBE_VERSION" | cut -d. -f2)"
LDFLAGS="-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION \
 -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1 \
 -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=$KMINOR"
run_step "go install helm $HELM_VERSION" "$LOGS/build.log" \
  env GOBIN="$BIN" GOFLAGS=-mod=mod GOTOOLCHAIN="${GOTOOLCHAIN:-local}" \
  go install -trimpath -ldflags "$LDFLAGS" "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
log "helm $HELM_VERSION built into $BIN"
