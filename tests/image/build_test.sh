#!/usr/bin/env bash
# Builds both images from the Dockerfile for real with daemonless buildah on
# a debootstrapped Debian base (dev/build-images.sh; base and layers cached
# in the project's cache), then checks each: runs as 65532, the binary's
# --help runs in it (the runtime stage has every shared library it loads),
# and it carries no compiler, no -dev package and no sources.
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
  out="$(kbuildah run --isolation chroot "$c" -- id -u 2>&1)" || die "$image: id -u failed: $out"
  [[ "$out" == 65532 ]] || die "$image: a process in it runs as uid '$out', not 65532"
  if ! out="$(kbuildah run --isolation chroot "$c" -- "$bin" --help 2>&1)"; then
    echo "$out" >&2
    kbuildah run --isolation chroot "$c" -- ldd "$bin" 2>&1 | grep 'not found' >&2 || true
    die "$image: $bin --help failed (missing shared libraries above, if any: add them to runtime-base)"
  fi
  grep -qi usage <<<"$out" || die "$image: $bin --help printed no usage: $out"

  # From the outside: the runtime stage is libraries only.
  mnt="$(kbuildah mount "$c")"
  local tool
  for tool in cc c++ gcc g++ ld cmake ninja make; do
    [[ ! -e "$mnt/usr/bin/$tool" ]] || die "$image contains a build tool: /usr/bin/$tool"
  done
  local dev
  dev="$(dpkg-query --admindir="$mnt/var/lib/dpkg" -W -f='${Package}\n' | grep -E -- '-dev$|^(build-essential|binutils|cpp|gcc|g\+\+)(-[0-9]+)?$' || true)"
  [[ -z "$dev" ]] || die "$image contains build packages: $(tr '\n' ' ' <<<"$dev")"
  [[ ! -e "$mnt/src" && ! -e "$mnt/build" ]] || die "$image contains /src or /build from the build stage"
  kbuildah umount "$c" >/dev/null
  echo "ok: $image ($(kbuildah images --format '{{.Size}}' "$image")): user 65532, $bin --help runs, no build tools"
}

check_image operator
check_image processor
echo "PASS: operator and processor images built with buildah in ${build_secs}s and checked"
