#!/usr/bin/env bash
# Configures and builds the C++ tree into $BUILD_DIR.
# Usage: dev/build.sh [TARGET...]   (no target: everything; the image build
# names kappa-operator and kappa-processor).
# A new tree is configured with CMAKE_BUILD_TYPE (default RelWithDebInfo)
# and CMAKE_ARGS. An existing tree is configured again only when either is
# given (CMake keeps every other cache entry), so that e.g.
# `CMAKE_ARGS=-DKAPPA_SANITIZE=ON make build` is never silently ignored;
# without them it is only built.
source "$(dirname "$0")/lib.sh"
CONFIGURE=()
if [[ ! -f "$BUILD_DIR/CMakeCache.txt" ]]; then
  command -v ninja >/dev/null && CONFIGURE+=(-G Ninja)  # a tree keeps its generator
  CONFIGURE+=(-DCMAKE_BUILD_TYPE="${CMAKE_BUILD_TYPE:-RelWithDebInfo}")
elif [[ -n "${CMAKE_BUILD_TYPE:-}" ]]; then
  CONFIGURE+=(-DCMAKE_BUILD_TYPE="$CMAKE_BUILD_TYPE")
fi
if [[ ! -f "$BUILD_DIR/CMakeCache.txt" || -n "${CMAKE_BUILD_TYPE:-}${CMAKE_ARGS:-}" ]]; then
  # shellcheck disable=SC2086  # CMAKE_ARGS holds several words on purpose
  run_step "configure CMake in $BUILD_DIR" "$BUILD_DIR/configure.log" \
    cmake -S "$REPO_ROOT" -B "$BUILD_DIR" "${CONFIGURE[@]}" ${CMAKE_ARGS:-}
fi
TARGETS=(); (($#)) && TARGETS=(--target "$@")
log "building in $BUILD_DIR${TARGETS[*]:+ (${*})}"
cmake --build "$BUILD_DIR" --parallel "$(nproc)" "${TARGETS[@]}"
