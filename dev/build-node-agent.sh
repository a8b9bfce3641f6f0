#!/usr/bin/env bash
# Builds the node agent (dev/node-agent, the kubelet stand-in) into
# $KAPPA_CACHE/node-agent-<hash of its sources>/node-agent, once per source
# version. Prints the binary's path as the last line of stdout.
source "$(dirname "$0")/lib.sh"

SRC="$DEV_DIR/node-agent"
# The hash covers what goes into the binary: Go files (tests excluded),
# go.mod and go.sum.
HASH="$(cd "$SRC" && find . -maxdepth 1 -type f \( -name '*.go' ! -name '*_test.go' -o -name go.mod -o -name go.sum \) -print0 \
  | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -c1-12)"
OUT_DIR="$KAPPA_CACHE/node-agent-$HASH"
OUT="$OUT_DIR/node-agent"

if [[ -x "$OUT" ]]; then
  log "node agent cached in $OUT"
else
  mkdir -p "$OUT_DIR"
  # go.sum is committed, so the build never rewrites go.mod (-mod=readonly);
  # GOTOOLCHAIN=local: never try to download another Go.
  (cd "$SRC" && GOFLAGS="-mod=readonly -buildvcs=false" GOTOOLCHAIN=local \
    run_step "build node agent" "$OUT_DIR/build.log" go build -trimpath -o "$OUT.tmp.$$" .)
  mv -f "$OUT.tmp.$$" "$OUT"
  log "node agent built: $OUT"
fi
echo "$OUT"
