#!/usr/bin/env bash
# The operator's unit tests (kappa_unit_tests: the kube runtime's work queue,
# controllers, event recorder, leader election, and the reconcilers) once
# more, built with ThreadSanitizer (KAPPA_TSAN, at -O1) in their own build
# tree. The operator is the heavily threaded binary: informers, workers, the
# elector, the event recorder's writer and the probe server share state.
# Any report fails the run (TSan halts at its first one). Needs no servers;
# `make test` runs this after the ASan/UBSan suites.
source "$(dirname "$0")/lib.sh"
TSAN_DIR="${KAPPA_TSAN_BUILD_DIR:-$REPO_ROOT/build-tsan}"

# dev/build.sh into a tree of its own, at -O1 -g1 like dev/sanitize-tests.sh:
# TSan slows code 5-15x, and -O0 would slow it further.
KAPPA_BUILD_DIR="$TSAN_DIR" CMAKE_BUILD_TYPE=Debug \
  CMAKE_ARGS="-DKAPPA_TSAN=ON -DCMAKE_CXX_FLAGS=-O1 -DCMAKE_CXX_FLAGS_DEBUG=-g1" \
  "$DEV_DIR/build.sh" kappa_unit_tests

REPORTS="$TSAN_DIR/reports"
rm -rf "$REPORTS"; mkdir -p "$REPORTS"
# halt_on_error: the first report fails the suite; dev/tsan.supp names the
# uninstrumented libraries' false positives (each entry says why).
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$DEV_DIR/tsan.supp${TSAN_OPTIONS:+:$TSAN_OPTIONS}"
log "running kappa_unit_tests under ThreadSanitizer (log: $REPORTS/kappa_unit_tests.log)"
if ! "$TSAN_DIR/tests/kappa_unit_tests" --gtest_brief=1 >"$REPORTS/kappa_unit_tests.log" 2>&1; then
  fail "kappa_unit_tests under ThreadSanitizer" "$REPORTS/kappa_unit_tests.log" "a test failed or TSan reported"
fi
if grep -q 'WARNING: ThreadSanitizer' "$REPORTS/kappa_unit_tests.log"; then
  fail "ThreadSanitizer reports" "$REPORTS/kappa_unit_tests.log" "TSan reported (see the log)"
fi
log "no ThreadSanitizer reports"
