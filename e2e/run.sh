#!/usr/bin/env bash
# `make e2e`: the e2e fault suite alone (it is also part of `make test`), on
# a stack of its own in .stack-e2e (it restarts Kafka and the apiserver, so a
# demo stack is left alone), stopped again whatever the outcome.
source "$(dirname "$0")/../dev/lib.sh"
export KAPPA_STACK_DIR="${KAPPA_E2E_STACK_DIR:-$REPO_ROOT/.stack-e2e}"
"$DEV_DIR/install-deps.sh"
"$DEV_DIR/build.sh"
trap '"$DEV_DIR/stack-down.sh" --quiet || true' EXIT
"$DEV_DIR/stack-up.sh"
eval "$("$DEV_DIR/stack-status.sh" 2>/dev/null)"
export KAPPA_REQUIRE_STACK=1
cd "$BUILD_DIR"
ctest --output-on-failure --timeout 900 -L e2e
