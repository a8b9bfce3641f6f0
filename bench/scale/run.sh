#!/usr/bin/env bash
# `make bench-scale`: the operator at 10, 100 and 1,000 Pipelines of the idle
# processor (issue #21), each with all Pipelines in one namespace and spread
# over 10, next to the same operator with none. Markdown tables on stdout;
# the operator's logs under $BUILD_DIR/bench/scale/runs/<time>/.
#   KAPPA_SCALE_SIZES       fleet sizes (default "10,100,1000")
#   KAPPA_SCALE_NAMESPACES  layouts (default "1 10")
#   KAPPA_SCALE_ARGS        more scale_driver flags (e.g. "--changes 5 --keep")
# Starts the local stack if it is not running (and leaves it running).
source "$(dirname "$0")/../../dev/lib.sh"

SIZES="${KAPPA_SCALE_SIZES:-10,100,1000}"
LAYOUTS="${KAPPA_SCALE_NAMESPACES:-1 10}"
WORK="$BUILD_DIR/bench/scale/runs/$(date +%s)"
mkdir -p "$WORK"

"$DEV_DIR/stack-status.sh" --quiet || "$DEV_DIR/stack-up.sh"
eval "$("$DEV_DIR/stack-status.sh" 2>/dev/null)"
run_step "build the scale benchmark" "$WORK/build.log" \
  cmake --build "$BUILD_DIR" --target scale_driver kappa-idle-processor kappa-operator
run_step "apply the CRDs" "$WORK/crds.log" \
  kubectl apply --server-side --force-conflicts -f "$REPO_ROOT/crds/"
# The driver's operator watches every namespace: another operator on this
# stack (the demo's) would act on the same Pipelines.
if [[ -e "$STACK_DIR/pids/operator" ]] && pgrep -s "$(cat "$STACK_DIR/pids/operator")" >/dev/null 2>&1; then
  fail "scale benchmark" "" "an operator runs on this stack ($STACK_DIR/pids/operator); stop it (make stack-down) first"
fi

log "scale benchmark: sizes $SIZES, layouts '$LAYOUTS' (logs: $WORK)"
start_s=$SECONDS
# shellcheck disable=SC2086  # KAPPA_SCALE_ARGS holds several flags on purpose
"$BUILD_DIR/bench/scale/scale_driver" --operator "$BUILD_DIR/operator/kappa-operator" \
  --sizes "$SIZES" --namespaces "$LAYOUTS" --log-dir "$WORK" ${KAPPA_SCALE_ARGS:-} "$@"
log "scale benchmark took $((SECONDS - start_s)) s"
