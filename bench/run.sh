#!/usr/bin/env bash
# `make bench`: builds, brings the local stack up if it is not running, and
# runs every benchmark against it. Each prints markdown tables with a
# baseline measured in the same run.
source "$(dirname "$0")/../dev/lib.sh"
"$DEV_DIR/build.sh"
"$DEV_DIR/stack-status.sh" --quiet || "$DEV_DIR/stack-up.sh"
eval "$("$DEV_DIR/stack-status.sh" 2>/dev/null)"
for bench in informer_bench lag_bench; do
  log "running $bench"
  "$BUILD_DIR/bench/$bench"
done
# The processor's per-event work without Kafka (about half a minute).
log "running transform_bench"
"$BUILD_DIR/bench/processor/transform_bench"
# Replay throughput of kappa-processor vs a bare consume loop and Kafka
# Streams (KAPPA_BENCH_EVENTS events, 10 M by default: several minutes).
log "running the replay benchmark"
"$REPO_ROOT/bench/processor/run.sh"
# Lambda generations vs a Kappa replay of the same log, with the operator
# and real pods (KAPPA_BENCH_EVENTS events, 10 M by default: a few minutes).
log "running the Lambda benchmark"
"$REPO_ROOT/bench/lambda/run.sh"
# Last: the operator at 10, 100 and 1,000 Pipelines (KAPPA_SCALE_SIZES,
# KAPPA_SCALE_NAMESPACES; up to 20 minutes with both layouts).
log "running the scale benchmark"
"$REPO_ROOT/bench/scale/run.sh"
