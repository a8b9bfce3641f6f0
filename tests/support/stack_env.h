#pragma once
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

namespace kappa::testing {

// Where the local stack is, from the environment `make stack-status` prints.
struct StackEnv {
  std::string kubeconfig;
  std::string kafka_bootstrap;
};

inline std::string env_or_empty(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

// True when a missing stack must fail the test rather than skip it (CI and
// `make test` set it; a developer running one binary by hand may not).
inline bool stack_required() { return env_or_empty("KAPPA_REQUIRE_STACK") == "1"; }

inline StackEnv stack_env() {
  return {env_or_empty("KUBECONFIG"), env_or_empty("KAFKA_BOOTSTRAP_SERVERS")};
}

}  // namespace kappa::testing

// Use at the top of a test (or SetUp) that needs the running local stack.
#define KAPPA_NEEDS_STACK()                                                                   \
  do {                                                                                        \
    const auto env_ = ::kappa::testing::stack_env();                                          \
    if (env_.kubeconfig.empty() || env_.kafka_bootstrap.empty()) {                            \
      const char* why_ =                                                                      \
          "local stack not found: KUBECONFIG and KAFKA_BOOTSTRAP_SERVERS are unset. Run "     \
          "`make stack-up && eval \"$(make -s stack-status)\"` first, or use `make test`.";   \
      if (::kappa::testing::stack_required()) FAIL() << why_;                                 \
      GTEST_SKIP() << "SKIPPED LOUDLY: " << why_;                                             \
    }                                                                                         \
  } while (0)
