// The operator stops on SIGTERM at any moment, even before its caches ever
// sync (here: an API server that is not there), with or without leader
// election. No stack is needed.
#include <gtest/gtest.h>
#include <signal.h>

#include <cstdio>
#include <fstream>

#include "support/subprocess.h"
#include "support/wait.h"

namespace kappa::testing {
namespace {

using namespace std::chrono_literals;

class ShutdownTest : public ::testing::TestWithParam<const char*> {};

TEST_P(ShutdownTest, SigtermEndsTheOperatorWhileItsCachesCannotSync) {
  const std::string dir = ::testing::TempDir();
  const std::string kubeconfig = dir + "/unreachable-kubeconfig";
  std::ofstream(kubeconfig) << R"(apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:1", insecure-skip-tls-verify: true}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
)";
  const std::string log = dir + "/shutdown-" + std::string(GetParam() + 2) + ".log";
  std::remove(log.c_str());  // the log is appended to: start from nothing
  processor::Subprocess operator_process(
      KAPPA_OPERATOR_BINARY,
      {"--kubeconfig", kubeconfig, GetParam(), "--metrics-bind-address", "0", "--health-probe-bind-address", "0"},
      {}, log);
  // It has started (its signal handlers are in place from its first line
  // on) and is retrying the API server before the signal.
  ASSERT_TRUE(wait_for(20s, [&] { return operator_process.log().find("starting against") != std::string::npos; }))
      << operator_process.log();
  operator_process.send(SIGTERM);
  const auto code = operator_process.wait_exit(20s);
  ASSERT_TRUE(code) << "SIGTERM did not end the operator: " << operator_process.log();
  EXPECT_EQ(*code, 0) << operator_process.log();
}

INSTANTIATE_TEST_SUITE_P(LeaderElection, ShutdownTest, ::testing::Values("--no-leader-elect", "--leader-elect"),
                         [](const auto& info) { return std::string(info.param + 2) == "leader-elect" ? "on" : "off"; });

}  // namespace
}  // namespace kappa::testing
