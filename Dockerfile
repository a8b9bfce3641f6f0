# Images for the operator and the processor. The build stage compiles with
# the same scripts CI uses (dev/install-deps.sh, dev/build.sh); the runtime
# stages carry only the shared libraries the binaries load.
ARG DEBIAN=debian:bookworm-20241111-slim

FROM ${DEBIAN} AS build
COPY . /src
RUN /src/dev/install-deps.sh --build-only \
 && KAPPA_BUILD_DIR=/build CMAKE_ARGS="-DKAPPA_BUILD_TESTS=OFF -DCMAKE_BUILD_TYPE=Release" /src/dev/build.sh

FROM ${DEBIAN} AS runtime-base
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates libcpprest2.10 librdkafka1 \
      librdkafka++1 libyaml-cpp0.7 libspdlog1.10 libssl3 libprometheus-cpp-core1.0 \
 && rm -rf /var/lib/apt/lists/*
USER 65532:65532

FROM runtime-base AS operator
COPY --from=build /build/operator/kappa-operator /usr/local/bin/kappa-operator
ENTRYPOINT ["/usr/local/bin/kappa-operator"]

FROM runtime-base AS processor
COPY --from=build /build/processor/kappa-processor /usr/local/bin/kappa-processor
ENTRYPOINT ["/usr/local/bin/kappa-processor"]
