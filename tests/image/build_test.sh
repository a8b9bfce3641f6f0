#!/usr/bin/env bash
# Builds both images from the Dockerfile for real with daemonless buildah on
# a debootstrapped Debian base (dev/build-images.sh; base and layers cached
# in the project's cache), then checks each: runs as 65532, the binary's
# --help runs in it (it has every shared library it loads), and it carries
# no shell, no tools, no package manager, no compiler and no sources.
source "$(dirname "$0")/../../dev/lib.sh"
SKIP=77  # SKIP_RETURN_CODE in CMakeLists.txt
die() { echo "FAIL: $*" >&2; exit 1; }

if ((EUID != 0)); then
  echo "SKIPPED LOUDLY: the image build needs root (rootful buildah, debootstrap); CI runs as root" >&2
  exit "$SKIP"
fi

start=$SECONDS
"$DEV_DIR/build-images.sh" operator processor || die "dev/build-images.sh failed (its logs are in $BUILD_DIR/images/)"
build_secs=$((SECONDS - start))

CONTAINERS=()
cleanup() { local c; for c in "${CONTAINERS[@]}"; do kbuildah rm "$c" >/dev/null 2>&1 || true; done; }
trap cleanup EXIT

check_image() {
  local t="$1" image="localhost/kappa-$1:dev" bin="/usr/local/bin/kappa-$1" user out c mnt
  user="$(kbuildah inspect --type image --format '{{.OCIv1.Config.User}}' "$image")"
  [[ "$user" == 65532:65532 ]] || die "$image runs as '$user', not 65532:65532"
  kbuildah inspect --type image --format '{{.OCIv1.Config.Entrypoint}}' "$image" | grep -qF "$bin" \
    || die "$image's entrypoint is not $bin"

  c="$(kbuildah from --pull=never "$image")"; CONTAINERS+=("$c")
  if ! out="$(kbuildah run --isolation chroot "$c" -- "$bin" --help 2>&1)"; then
    echo "$out" >&2
    die "$image: $bin --help failed (a shared library missing? see dev/image-rootfs.sh)"
  fi
  grep -qi usage <<<"$out" || die "$image: $bin --help printed no usage: $out"
  # No shell: nothing in a pod can run a command that was not shipped.
  if kbuildah run --isolation chroot "$c" -- /bin/sh -c true >/dev/null 2>&1; then
    die "$image has a shell (/bin/sh ran)"
  fi

  # From the outside: the runtime stage is libraries only.
  mnt="$(kbuildah mount "$c")"
  local tool
  for tool in cc c++ gcc g++ ld cmake ninja make; do
    [[ ! -e "$mnt/usr/bin/$tool" ]] || die "$image contains a build tool: /usr/bin/$tool"
  done
  for tool in bin/sh bin/bash usr/bin/dpkg usr/bin/apt usr/bin/env usr/bin/id; do
    [[ ! -e "$mnt/$tool" ]] || die "$image contains /$tool: it should hold no shell, tools or package manager"
  done
  [[ ! -e "$mnt/var/lib/dpkg" ]] || die "$image carries a package database"
  [[ ! -e "$mnt/src" && ! -e "$mnt/build" ]] || die "$image contains /src or /build from the build stage"
  grep -q '^nonroot:x:65532:65532:' "$mnt/etc/passwd" || die "$image's /etc/passwd does not name uid 65532"
  [[ -s "$mnt/etc/ssl/certs/ca-certificates.crt" ]] || die "$image has no CA certificates"
  kbuildah umount "$c" >/dev/null
  echo "ok: $image ($(kbuildah images --format '{{.Size}}' "$image")): user 65532, $bin --help runs, no shell, tools or packages"
}

check_image operator
check_image processor
echo "PASS: operator and processor images built with buildah in ${build_secs}s and checked"
