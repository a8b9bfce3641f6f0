#!/usr/bin/env bash
# The processor's unit and integration suites once more, built with
# AddressSanitizer and UndefinedBehaviorSanitizer (KAPPA_SANITIZE, at -O1)
# in their own build tree. The processor is where the hand-written memory
# code lives (the JSON scanner's word-at-a-time reads, the key table, the
# huge-page allocator, the batch read ahead of the fold), and the
# integration suite runs the sanitized binary on the real broker, SIGKILLs
# included. Any report fails the run: ASan stops at its first error, UBSan
# is told to (it only logs by default), and a leak at a clean exit counts.
# Needs the stack's environment for the integration suite (run-tests.sh
# sets it up); `make test` runs this after the main suites.
source "$(dirname "$0")/lib.sh"
SANITIZE_DIR="${KAPPA_SANITIZE_BUILD_DIR:-$REPO_ROOT/build-sanitize}"

# dev/build.sh into a tree of its own, at -O1 -g1: stack traces keep their
# lines, and the build stays light (at the default -O2 -g the heaviest files
# took over a minute each here).
KAPPA_BUILD_DIR="$SANITIZE_DIR" CMAKE_BUILD_TYPE=Debug \
  CMAKE_ARGS="-DKAPPA_SANITIZE=ON -DCMAKE_CXX_FLAGS=-O1 -DCMAKE_CXX_FLAGS_DEBUG=-g1" \
  "$DEV_DIR/build.sh" kappa_processor_tests kappa-processor kappa_processor_integration_tests

# The processors the integration suite starts inherit these options and
# write their output under TMPDIR (the suite's log directory): a processor
# that dies of a report would otherwise look like any crash the suite
# restarts it after, so every log is searched for reports at the end.
REPORTS="$SANITIZE_DIR/reports"
rm -rf "$REPORTS"; mkdir -p "$REPORTS/tmp"
export TMPDIR="$REPORTS/tmp"
export ASAN_OPTIONS="abort_on_error=1:detect_leaks=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:suppressions=$DEV_DIR/ubsan.supp${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
for suite in kappa_processor_tests kappa_processor_integration_tests; do
  log "running $suite under ASan + UBSan (log: $REPORTS/$suite.log)"
  if ! "$SANITIZE_DIR/tests/processor/$suite" --gtest_brief=1 >"$REPORTS/$suite.log" 2>&1; then
    fail "$suite under ASan + UBSan" "$REPORTS/$suite.log" "a test failed or a sanitizer reported"
  fi
done
if reported="$(grep -rlE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$REPORTS")"; then
  fail "sanitizer reports" "$(head -1 <<<"$reported")" "reports in: $(tr '\n' ' ' <<<"$reported")"
fi
log "no sanitizer reports"
