#!/usr/bin/env bash
# `make test`: installs what is missing, builds, starts a local stack of its
# own (in .stack-test, so a running demo stack is left alone), runs every
# CTest suite against it, then the processor's suites built with ASan and
# UBSan (dev/sanitize-tests.sh; KAPPA_SANITIZE_TESTS=0 skips them), the
# operator's unit tests built with ThreadSanitizer (dev/tsan-tests.sh;
# KAPPA_TSAN_TESTS=0 skips them), the Kafka-facing suites once more on the
# other Kafka line (dev/kafka-compat-tests.sh; KAPPA_KAFKA_COMPAT_TESTS=0
# skips them), and stops the stack again whatever the outcome.
source "$(dirname "$0")/lib.sh"
export KAPPA_STACK_DIR="${KAPPA_TEST_STACK_DIR:-$REPO_ROOT/.stack-test}"

"$DEV_DIR/install-deps.sh"
"$DEV_DIR/build.sh"
# The Kafka Streams processor StreamsRolloutTest runs as a version.
"$DEV_DIR/build-examples.sh" >/dev/null

trap '"$DEV_DIR/stack-down.sh" --quiet || true' EXIT
"$DEV_DIR/stack-up.sh"
eval "$("$DEV_DIR/stack-status.sh" 2>/dev/null)"
export KAPPA_REQUIRE_STACK=1  # integration tests fail, not skip, without a stack

log "running ctest ${CTEST_ARGS:-}"
cd "$BUILD_DIR"
if ! ctest --output-on-failure --timeout 900 ${CTEST_ARGS:-}; then
  warn "tests failed; the stack's logs are in $KAPPA_STACK_DIR/logs"
  exit 1
fi
# ctest shows a passing test's output only in its log: repeat the figures
# the issues ask to see (the split-brain trials).
grep -h '^split brain: ' Testing/Temporary/LastTest.log 2>/dev/null || true
if [[ "${KAPPA_SANITIZE_TESTS:-1}" != 0 ]]; then
  "$DEV_DIR/sanitize-tests.sh"
else
  warn "KAPPA_SANITIZE_TESTS=0: the sanitized processor suites did not run"
fi
if [[ "${KAPPA_TSAN_TESTS:-1}" != 0 ]]; then
  "$DEV_DIR/tsan-tests.sh"
else
  warn "KAPPA_TSAN_TESTS=0: the operator's unit tests under ThreadSanitizer did not run"
fi
# Last, as it restarts the stack with the other Kafka line.
if [[ "${KAPPA_KAFKA_COMPAT_TESTS:-1}" != 0 ]]; then
  "$DEV_DIR/kafka-compat-tests.sh"
else
  warn "KAPPA_KAFKA_COMPAT_TESTS=0: the Kafka suites did not run on Kafka $KAFKA_COMPAT_VERSION"
fi
