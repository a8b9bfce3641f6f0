#!/usr/bin/env bash
# Installs what a fresh Debian 12 machine lacks to build and test the
# project: the C++ libraries from apt, and the tools the local stack needs
# (Go, Java + Maven, kcat, openssl), and buildah + debootstrap for the
# image test. Idempotent: installs only what is missing.
source "$(dirname "$0")/lib.sh"

# --build-only: just what compiles the C++ tree (the image build uses it).
# --image-tools: just buildah and debootstrap (dev/build-images.sh uses them).
build_only=0 image_only=0
case "${1:-}" in
  --build-only) build_only=1 ;;
  --image-tools) image_only=1 ;;
  "") ;;
  *) fail "parse arguments" "" "unknown option $1 (use --build-only, --image-tools or nothing)" ;;
esac

BUILD_PACKAGES=(
  build-essential cmake ninja-build pkg-config ccache
  libcpprest-dev libboost-system-dev libboost1.74-dev libssl-dev nlohmann-json3-dev
  librdkafka-dev libyaml-cpp-dev libspdlog-dev libfmt-dev
  libgtest-dev libgmock-dev prometheus-cpp-dev libcli11-dev libabsl-dev libjemalloc-dev
)
# Builds the images without a daemon or registry (tests/image/build_test.sh).
IMAGE_PACKAGES=(buildah debootstrap)
if ((build_only)); then APT_PACKAGES=("${BUILD_PACKAGES[@]}")
elif ((image_only)); then APT_PACKAGES=("${IMAGE_PACKAGES[@]}")
else APT_PACKAGES=("${BUILD_PACKAGES[@]}" "${IMAGE_PACKAGES[@]}"
  git curl openssl python3 procps kcat lua5.4 lua5.1 default-jdk-headless maven golang-go)
fi

missing=()
for p in "${APT_PACKAGES[@]}"; do
  # Go, Java and Maven may come from elsewhere (the machine image): accept them.
  case "$p" in
    golang-go) command -v go >/dev/null && continue ;;
    default-jdk-headless) command -v javac >/dev/null && continue ;;  # javac: the Streams example
    maven) command -v mvn >/dev/null && continue ;;
  esac
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  SUDO=(); ((EUID == 0)) || SUDO=(sudo -n)
  LOG="${TMPDIR:-/tmp}/kappa-apt-$$.log"
  log "installing apt packages: ${missing[*]}"
  if ! { "${SUDO[@]}" apt-get update -qq && \
         DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$LOG" 2>&1; then
    fail "install apt packages" "$LOG" "apt-get could not install: ${missing[*]}"
  fi
else
  log "apt packages present"
fi

((build_only)) && { log "build dependencies ready"; exit 0; }
((image_only)) && { log "image tools ready"; exit 0; }

# The Go toolchain builds the control plane and helm; Kubernetes 1.34 needs
# Go >= 1.24. A newer toolchain can come from the module proxy via GOTOOLCHAIN.
go_minor="$(go env GOVERSION | sed -E 's/^go1\.([0-9]+).*/\1/')"
if ((go_minor < 24)); then
  fail "check Go" "" "Go $(go env GOVERSION) is too old; Kubernetes $KUBE_VERSION needs go1.24+ (export GOTOOLCHAIN=go1.24.0 to fetch one from the module proxy)"
fi
java -version >/dev/null 2>&1 || fail "check Java" "" "java does not run"
log "dependencies ready (go $(go env GOVERSION), $(java -version 2>&1 | head -1), $(mvn -v 2>/dev/null | head -1))"
