#!/usr/bin/env bash
# Builds the images of the Dockerfile with buildah: no daemon, no registry.
# The Debian base is a debootstrap minbase, made once and cached; images go
# to the project's buildah store (see kbuildah in lib.sh) as
# localhost/kappa-operator:dev and localhost/kappa-processor:dev.
# Usage: dev/build-images.sh [operator|processor ...]   (default: both)
#        dev/build-images.sh --buildah ARGS...          (buildah on that store,
#                                                        e.g. images, push)
source "$(dirname "$0")/lib.sh"

((EUID == 0)) || fail "check user" "" "run as root: the build is rootful buildah (chroot isolation) and debootstrap"
"$DEV_DIR/install-deps.sh" --image-tools
mkdir -p "$IMAGE_STORE"

if [[ "${1:-}" == --buildah ]]; then shift; kbuildah "$@"; exit; fi

# overlay when the kernel and the cache's filesystem allow it (much faster
# than vfs, which copies every layer); the choice sticks to the store.
if [[ ! -f "$IMAGE_STORE/driver" ]]; then
  if buildah --root "$IMAGE_STORE/root" --runroot "$IMAGE_STORE/probe-run" --storage-driver overlay \
       images >/dev/null 2>"$IMAGE_STORE/overlay-probe.log"; then
    echo overlay >"$IMAGE_STORE/driver"
  else
    warn "overlay storage does not work here ($(tail -1 "$IMAGE_STORE/overlay-probe.log")); using vfs"
    rm -rf "$IMAGE_STORE/root" "$IMAGE_STORE/probe-run"
    echo vfs >"$IMAGE_STORE/driver"
  fi
  rm -rf "$IMAGE_STORE/probe-run"
fi

LOGS="$BUILD_DIR/images"
# A failed import leaves no working container behind.
WORK_CONTAINER=""
trap '[[ -z "$WORK_CONTAINER" ]] || kbuildah rm "$WORK_CONTAINER" >/dev/null 2>&1 || true' EXIT
BASE="$(image_base_name)"
ROOTFS_DIR="$KAPPA_CACHE/debian-$DEBIAN_SUITE-minbase-$IMAGE_BASE_REVISION"
MIRROR="${KAPPA_DEBIAN_MIRROR:-http://deb.debian.org/debian}"

make_rootfs() {
  [[ -f "$ROOTFS_DIR/complete" ]] && return
  rm -rf "$ROOTFS_DIR"; mkdir -p "$ROOTFS_DIR"
  run_step "debootstrap a $DEBIAN_SUITE minbase" "$LOGS/debootstrap.log" \
    debootstrap --variant=minbase "$DEBIAN_SUITE" "$ROOTFS_DIR/rootfs" "$MIRROR"
  local r="$ROOTFS_DIR/rootfs"
  # What Debian's own images have: updates and security, no downloaded
  # .debs or package lists, no host name or resolver of this machine.
  cat >"$r/etc/apt/sources.list" <<SOURCES
deb $MIRROR $DEBIAN_SUITE main
deb $MIRROR $DEBIAN_SUITE-updates main
deb ${MIRROR%/debian}/debian-security $DEBIAN_SUITE-security main
SOURCES
  rm -rf "$r"/var/cache/apt/archives/*.deb "$r"/var/lib/apt/lists/* "$r"/etc/hostname
  : >"$r/etc/resolv.conf"
  touch "$ROOTFS_DIR/complete"
}

import_base() {
  kbuildah inspect --type image "$BASE" >/dev/null 2>&1 && return
  make_rootfs
  log "importing the base as $BASE"
  local mnt
  WORK_CONTAINER="$(kbuildah from scratch)"
  local c="$WORK_CONTAINER"
  mnt="$(kbuildah mount "$c")"
  tar -C "$ROOTFS_DIR/rootfs" -c . | tar -C "$mnt" -x
  kbuildah umount "$c" >/dev/null
  kbuildah config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin --cmd /bin/bash "$c"
  kbuildah commit --quiet --rm "$c" "$BASE" >/dev/null
  WORK_CONTAINER=""
}

# --layers caches each step in the store: an unchanged context rebuilds in
# seconds, a source change reuses the dependency layer.
build_target() {
  local target="$1" start=$SECONDS
  run_step "build the $target stage (base $BASE)" "$LOGS/$target.log" \
    kbuildah bud --isolation chroot --layers --force-rm --pull=never --build-arg "DEBIAN=$BASE" \
      --target "$target" -t "localhost/kappa-$target:dev" -f "$REPO_ROOT/Dockerfile" "$REPO_ROOT"
  log "built localhost/kappa-$target:dev in $((SECONDS - start))s"
}

TARGETS=("$@"); ((${#TARGETS[@]})) || TARGETS=(operator processor)
for t in "${TARGETS[@]}"; do
  [[ "$t" == operator || "$t" == processor ]] || fail "parse arguments" "" "unknown target $t (operator or processor)"
done
import_base
# The build stage gets a name too, so the prune below keeps its layers (the
# cache of the next run) and drops only those of earlier builds.
build_target build
for t in "${TARGETS[@]}"; do build_target "$t"; done
run_step "prune superseded image layers" "$LOGS/prune.log" kbuildah rmi --prune
