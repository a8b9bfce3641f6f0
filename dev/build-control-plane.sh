#!/usr/bin/env bash
# Builds etcd, kube-apiserver, kube-controller-manager, kube-scheduler and
# kubectl from the Go module proxy at $KUBE_VERSION, once per machine.
source "$(dirname "$0")/lib.sh"

BIN="$(kube_bin_dir)"
WANT=(etcd kube-apiserver kube-controller-manager kube-scheduler kubectl)
missing=0
for b in "${WANT[@]}"; do [[ -x "$BIN/$b" ]] || missing=1; done
if ((missing == 0)); then log "control plane $KUBE_VERSION cached in $BIN"; exit 0; fi

WORK="$KAPPA_CACHE/kubernetes-$KUBE_VERSION/src"
LOGS="$KAPPA_CACHE/kubernetes-$KUBE_VERSION/logs"
mkdir -p "$WORK/etcd" "$BIN" "$LOGS"
export GOFLAGS=-mod=mod GOTOOLCHAIN="${GOTOOLCHAIN:-local}"

# Kubernetes' go.mod points its staging modules at ./staging; ours points
# each at the published module of the matching v0.Y.Z.
run_step "fetch k8s.io/kubernetes $KUBE_VERSION" "$LOGS/fetch.log" \
  go mod download -json "k8s.io/kubernetes@$KUBE_VERSION"
KMOD="$(go mod download -json "k8s.io/kubernetes@$KUBE_VERSION" | python3 -c 'import json,sys; print(json.load(sys.stdin)["GoMod"])')"
STAGING_VERSION="v0.${KUBE_VERSION#v1.}"
GO_LINE="$(grep -m1 '^go ' "$KMOD")"
ETCD_VERSION="$(grep -E '^\s+go.etcd.io/etcd/server/v3 ' "$KMOD" | awk '{print $2}')"
[[ -n "$ETCD_VERSION" ]] || fail "read etcd version" "$KMOD" "no go.etcd.io/etcd/server/v3 in Kubernetes' go.mod"

{
  echo "module kappa.dev/localstack/kubernetes"
  echo
  echo "$GO_LINE"
  echo
  echo "require k8s.io/kubernetes $KUBE_VERSION"
  echo
  echo "replace ("
  grep -E '^\s+k8s.io/[^ ]+ => \./staging/' "$KMOD" \
    | awk -v v="$STAGING_VERSION" '{printf "\t%s => %s %s\n", $1, $1, v}'
  echo ")"
} >"$WORK/go.mod"
cat >"$WORK/tools.go" <<'GO'
//go:build tools

package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
GO
(cd "$WORK" && run_step "resolve Kubernetes modules" "$LOGS/tidy.log" go mod tidy -e)

LDFLAGS="-s -w -X k8s.io/component-base/version.gitVersion=$KUBE_VERSION \
 -X k8s.io/component-base/version.gitMajor=1 \
 -X k8s.io/component-base/version.gitMinor=$(echo "$KUBE_VERSION" | cut -d. -f2) \
 -X k8s.io/component-base/version.gitTreeState=clean \
 -X k8s.io/client-go/pkg/version.gitVersion=$KUBE_VERSION"
for b in kube-apiserver kube-controller-manager kube-scheduler kubectl; do
  [[ -x "$BIN/$b" ]] && continue
  (cd "$WORK" && run_step "go build $b $KUBE_VERSION" "$LOGS/$b.log" \
    go build -trimpath -ldflags "$LDFLAGS" -o "$BIN/$b.tmp" "k8s.io/kubernetes/cmd/$b")
  mv "$BIN/$b.tmp" "$BIN/$b"
done

# etcd: a tiny main over etcdmain at the version Kubernetes pins.
if [[ ! -x "$BIN/etcd" ]]; then
  cat >"$WORK/etcd/go.mod" <<GOMOD
module kappa.dev/localstack/etcd

$GO_LINE

require go.etcd.io/etcd/server/v3 $ETCD_VERSION
GOMOD
  cat >"$WORK/etcd/main.go" <<'GO'
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
GO
  (cd "$WORK/etcd" && run_step "resolve etcd $ETCD_VERSION" "$LOGS/etcd-tidy.log" go mod tidy)
  (cd "$WORK/etcd" && run_step "go build etcd $ETCD_VERSION" "$LOGS/etcd.log" \
    go build -trimpath -ldflags "-s -w" -o "$BIN/etcd.tmp" .)
  mv "$BIN/etcd.tmp" "$BIN/etcd"
fi
log "control plane $KUBE_VERSION built into $BIN"
