#!/usr/bin/env bash
# Configures (once) and builds the C++ tree into $BUILD_DIR.
# Usage: dev/build.sh [TARGET...]   (no target: everything; the image build
# names kappa-operator and kappa-processor).
source "$(dirname "$0")/lib.sh"
GENERATOR=(); command -v ninja >/dev/null && GENERATOR=(-G Ninja)
if [[ ! -f "$BUILD_DIR/CMakeCache.txt" ]]; then
  run_step "configure CMake in $BUILD_DIR" "$BUILD_DIR/configure.log" \
    cmake -S "$REPO_ROOT" -B "$BUILD_DIR" "${GENERATOR[@]}" \
      -DCMAKE_BUILD_TYPE="${CMAKE_BUILD_TYPE:-RelWithDebInfo}" ${CMAKE_ARGS:-}
fi
TARGETS=(); (($#)) && TARGETS=(--target "$@")
log "building in $BUILD_DIR${TARGETS[*]:+ (${*})}"
cmake --build "$BUILD_DIR" --parallel "$(nproc)" "${TARGETS[@]}"
