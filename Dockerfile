# Images for the operator and the processor. The build stage compiles with
# the same scripts CI's `make test` uses (dev/install-deps.sh, dev/build.sh);
# the runtime stages carry only the shared libraries the binaries load and
# run as a non-root user.
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
# 65532: the conventional "nonroot" uid/gid of distroless images; the chart's
# securityContext runs as non-root too.
USER 65532:65532

FROM runtime-base AS operator
COPY --from=build /build/operator/kappa-operator /usr/local/bin/kappa-operator
ENTRYPOINT ["/usr/local/bin/kappa-operator"]

FROM runtime-base AS processor
COPY --from=build /build/processor/kappa-processor /usr/local/bin/kappa-processor
ENTRYPOINT ["/usr/local/bin/kappa-processor"]
