#!/usr/bin/env bash
# dev/build.sh configures an existing tree again when CMAKE_ARGS or
# CMAKE_BUILD_TYPE is given (they were silently ignored once CMakeCache.txt
# existed), keeps the cache without them, and compiles nothing here
# (rebuild_cache is CMake's own target that only re-runs the configure).
set -euo pipefail
REPO="$(cd "$(dirname "$0")/../.." && pwd)"
DIR="$(mktemp -d "${TMPDIR:-/tmp}/kappa-build-test.XXXXXX")"
trap 'rm -rf "$DIR"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
build() { KAPPA_BUILD_DIR="$DIR" "$REPO/dev/build.sh" rebuild_cache >"$DIR/out.log" 2>&1 || fail "dev/build.sh: $(tail -5 "$DIR/out.log")"; }
cache() { grep -q "^$1\$" "$DIR/CMakeCache.txt" || fail "expected $1 in CMakeCache.txt, have: $(grep "^${1%%=*}=" "$DIR/CMakeCache.txt")"; }

build
cache "KAPPA_SANITIZE:BOOL=OFF"
cache "CMAKE_BUILD_TYPE:STRING=RelWithDebInfo"

CMAKE_ARGS="-DKAPPA_SANITIZE=ON" build
cache "KAPPA_SANITIZE:BOOL=ON"
cache "CMAKE_BUILD_TYPE:STRING=RelWithDebInfo"

CMAKE_BUILD_TYPE=Debug build
cache "CMAKE_BUILD_TYPE:STRING=Debug"
cache "KAPPA_SANITIZE:BOOL=ON"

build  # neither given: the fast path, the tree keeps what it had
grep -q "configure CMake" "$DIR/out.log" && fail "configured again without CMAKE_ARGS or CMAKE_BUILD_TYPE"
cache "CMAKE_BUILD_TYPE:STRING=Debug"
cache "KAPPA_SANITIZE:BOOL=ON"
echo "PASS: dev/build.sh applies CMAKE_ARGS and CMAKE_BUILD_TYPE to an existing tree"
