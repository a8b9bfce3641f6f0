# Images for the operator and the processor. The build stage compiles with
# the same scripts CI's `make test` uses (dev/install-deps.sh, dev/build.sh);
# the final stages carry only the binary and the shared libraries it loads
# (no shell, no package manager) and run as a non-root user.
#   buildah bud --target operator  -t kappa-operator .
#   docker build --target processor -t kappa-processor .
# DEBIAN may name any Debian 12 image, e.g. a local debootstrap import
# (tests/image/build_test.sh does that).
ARG DEBIAN=debian:bookworm-20241111-slim

FROM ${DEBIAN} AS build
# Dependencies first, in a layer of their own: a source change reuses it.
COPY dev/install-deps.sh dev/lib.sh dev/versions.env /src/dev/
RUN /src/dev/install-deps.sh --build-only
COPY . /src
# CI's build type and flags (RelWithDebInfo, -Werror), stripped at link. Not
# Release: its -O3 trips GCC 12's false -Wrestrict (GCC bug 105329).
RUN KAPPA_BUILD_DIR=/build CMAKE_ARGS="-DKAPPA_BUILD_TESTS=OFF -DCMAKE_EXE_LINKER_FLAGS=-s" \
    /src/dev/build.sh kappa-operator kappa-processor

FROM ${DEBIAN} AS runtime-base
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ca-certificates \
      libcpprest2.10 librdkafka1 librdkafka++1 libyaml-cpp0.7 libspdlog1.10 libssl3 \
      libprometheus-cpp-core1.0 libabsl20220623 libjemalloc2 \
 && apt-get clean && rm -rf /var/lib/apt/lists/*

# The final images hold no shell and no package manager: only the binary,
# the shared libraries it loads, the CA certificates and a passwd naming
# 65532 (dev/image-rootfs.sh), on an empty base, as distroless images do.
# Nothing in a pod can then run a command that was not shipped.
FROM runtime-base AS operator-rootfs
COPY --from=build /build/operator/kappa-operator /usr/local/bin/kappa-operator
COPY dev/image-rootfs.sh /usr/local/sbin/
RUN /usr/local/sbin/image-rootfs.sh /usr/local/bin/kappa-operator /rootfs

FROM runtime-base AS processor-rootfs
COPY --from=build /build/processor/kappa-processor /usr/local/bin/kappa-processor
COPY dev/image-rootfs.sh /usr/local/sbin/
RUN /usr/local/sbin/image-rootfs.sh /usr/local/bin/kappa-processor /rootfs

# 65532: the conventional "nonroot" uid/gid of distroless images; the chart's
# and the processor pods' securityContext run as it too.
FROM scratch AS operator
COPY --from=operator-rootfs /rootfs/ /
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/kappa-operator"]

FROM scratch AS processor
COPY --from=processor-rootfs /rootfs/ /
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/kappa-processor"]
