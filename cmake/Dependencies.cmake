# Finds the Debian packages the project builds on. A missing one stops the
# configure step with the package to install (or run dev/install-deps.sh).

# kappa_require(<found-var> <what> <debian-package>)
function(kappa_require found what package)
  if(NOT ${found})
    message(FATAL_ERROR
      "kappa-operator needs ${what}: install the Debian package '${package}' "
      "(apt-get install ${package}), or run dev/install-deps.sh for all of them.")
  endif()
endfunction()

find_package(Threads REQUIRED)

find_package(cpprestsdk CONFIG QUIET)
kappa_require(cpprestsdk_FOUND "cpprestsdk (HTTP client and server)" libcpprest-dev)

# Boost.Beast and Asio (headers only): the probe, metrics and query servers.
find_package(Boost 1.74 QUIET)
kappa_require(Boost_FOUND "Boost.Beast and Boost.Asio (HTTP servers)" libboost1.74-dev)

find_package(OpenSSL QUIET)
kappa_require(OPENSSL_FOUND "OpenSSL (TLS to the API server)" libssl-dev)

find_package(nlohmann_json CONFIG QUIET)
kappa_require(nlohmann_json_FOUND "nlohmann-json (JSON)" nlohmann-json3-dev)

find_package(yaml-cpp CONFIG QUIET)
kappa_require(yaml-cpp_FOUND "yaml-cpp (kubeconfig, manifests)" libyaml-cpp-dev)

find_package(spdlog CONFIG QUIET)
kappa_require(spdlog_FOUND "spdlog (structured logs)" libspdlog-dev)

find_package(CLI11 CONFIG QUIET)
kappa_require(CLI11_FOUND "CLI11 (command-line flags)" libcli11-dev)

find_package(PkgConfig QUIET)
kappa_require(PKG_CONFIG_FOUND "pkg-config (to find librdkafka)" pkg-config)
pkg_check_modules(RDKAFKA QUIET IMPORTED_TARGET rdkafka++ rdkafka)
kappa_require(RDKAFKA_FOUND "librdkafka (Kafka client)" librdkafka-dev)

if(KAPPA_BUILD_TESTS)
  find_package(GTest CONFIG QUIET)
  kappa_require(GTest_FOUND "GoogleTest and GoogleMock (tests)" "libgtest-dev libgmock-dev")
endif()

find_package(prometheus-cpp CONFIG QUIET)
kappa_require(prometheus-cpp_FOUND "prometheus-cpp (metrics)" prometheus-cpp-dev)

find_package(absl CONFIG QUIET)
kappa_require(absl_FOUND "Abseil (hash tables of the processor's state)" libabsl-dev)

# The processor's allocator: librdkafka allocates each fetched record on its
# broker thread and the consumer frees it on another; glibc malloc serialises
# those frees on the arena lock (futex storms), jemalloc does not.
pkg_check_modules(JEMALLOC QUIET IMPORTED_TARGET jemalloc)
kappa_require(JEMALLOC_FOUND "jemalloc (the processor's allocator)" libjemalloc-dev)
