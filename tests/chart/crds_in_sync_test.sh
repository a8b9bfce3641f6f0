#!/usr/bin/env bash
# The chart ships the CRDs of the top-level crds/, byte for byte.
set -euo pipefail
REPO="$(cd "$(dirname "$0")/../.." && pwd)"
top="$(cd "$REPO/crds" && ls ./*.yaml)"
chart="$(cd "$REPO/charts/kappa-operator/crds" && ls ./*.yaml)"
fix="fix: cp crds/*.yaml charts/kappa-operator/crds/ (and remove stale files there)"
[[ "$top" == "$chart" ]] || { echo "FAIL: file lists differ: crds/ has [$top], the chart has [$chart]; $fix" >&2; exit 1; }
for f in $top; do
  cmp -s "$REPO/crds/$f" "$REPO/charts/kappa-operator/crds/$f" \
    || { echo "FAIL: charts/kappa-operator/crds/${f#./} differs from crds/${f#./}; $fix" >&2; exit 1; }
done
echo "PASS: the chart's CRDs are identical to crds/"
