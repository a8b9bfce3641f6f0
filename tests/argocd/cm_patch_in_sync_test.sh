#!/usr/bin/env bash
# deploy/argocd/argocd-cm-patch.yaml carries exactly the tested Lua scripts.
set -euo pipefail
DIR="$(cd "$(dirname "$0")/../../deploy/argocd" && pwd)"
if ! diff -u "$DIR/argocd-cm-patch.yaml" <("$DIR/gen-cm-patch.sh") >&2; then
  echo "FAIL: argocd-cm-patch.yaml is stale; fix: deploy/argocd/gen-cm-patch.sh > deploy/argocd/argocd-cm-patch.yaml" >&2
  exit 1
fi
echo "PASS: argocd-cm-patch.yaml matches the Lua scripts"
