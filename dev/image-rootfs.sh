#!/usr/bin/env bash
# Collects what one binary needs at run time into a root filesystem of its
# own, for an image without a shell or a package manager (the Dockerfile's
# final stages copy it onto `scratch`): the binary, every shared library
# ldd says it loads (and the dynamic loader), the CA certificates, a
# passwd/group that name uid/gid 65532, and a /tmp anyone may write.
# Usage: dev/image-rootfs.sh BINARY ROOTFS
set -euo pipefail
binary="$1" rootfs="$2"
[[ -x "$binary" ]] || { echo "image-rootfs: $binary is not an executable" >&2; exit 1; }

copy() {  # copy PATH: into the rootfs at the same path, links resolved
  mkdir -p "$rootfs$(dirname "$1")"
  cp -L "$1" "$rootfs$1"
}

copy "$binary"
# "libx.so => /path (0x...)" and the loader's "/lib64/ld-linux-x86-64.so.2 (0x...)".
ldd "$binary" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' | sort -u |
  while read -r lib; do copy "$lib"; done
if ldd "$binary" | grep -q 'not found'; then
  echo "image-rootfs: $binary needs libraries this stage lacks:" >&2
  ldd "$binary" | grep 'not found' >&2
  exit 1
fi
copy /etc/ssl/certs/ca-certificates.crt
mkdir -p "$rootfs/etc" "$rootfs/tmp"
chmod 1777 "$rootfs/tmp"
printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' \
  >"$rootfs/etc/passwd"
printf 'root:x:0:\nnonroot:x:65532:\n' >"$rootfs/etc/group"
