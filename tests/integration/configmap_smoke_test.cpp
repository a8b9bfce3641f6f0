// Smoke test of the real kube-apiserver over HTTPS with the project's own
// client and the stack's credentials: create, optimistic-concurrency update,
// delete of a ConfigMap.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "support/kube_test_client.h"

namespace {

using nlohmann::json;
using kappa::testing::stack_client;
using kappa::testing::unique_name;

TEST(ConfigMapSmoke, CreateUpdateConflictDelete) {
  KAPPA_NEEDS_STACK();
  auto client = stack_client();
  const std::string name = unique_name("smoke-cm");
  const std::string collection = "/api/v1/namespaces/default/configmaps";

  json cm = {{"apiVersion", "v1"},
             {"kind", "ConfigMap"},
             {"metadata", {{"name", name}}},
             {"data", {{"step", "created"}}}};
  const auto created = client->send("POST", collection, cm.dump());
  ASSERT_EQ(created.status, 201) << created.body;
  const json first = created.json();
  const std::string first_rv = first["metadata"]["resourceVersion"];
  ASSERT_FALSE(first_rv.empty());

  // Update with the current resourceVersion succeeds and bumps it.
  json updated_obj = first;
  updated_obj["data"]["step"] = "updated";
  const auto updated = client->send("PUT", collection + "/" + name, updated_obj.dump());
  ASSERT_EQ(updated.status, 200) << updated.body;
  EXPECT_EQ(updated.json()["data"]["step"], "updated");
  EXPECT_NE(updated.json()["metadata"]["resourceVersion"], first_rv);

  // Update with the stale resourceVersion is refused: 409 Conflict.
  json stale = first;
  stale["data"]["step"] = "stale";
  const auto conflict = client->send("PUT", collection + "/" + name, stale.dump());
  ASSERT_EQ(conflict.status, 409) << conflict.body;
  EXPECT_EQ(conflict.json()["reason"], "Conflict");

  const auto current = client->send("GET", collection + "/" + name);
  ASSERT_EQ(current.status, 200);
  EXPECT_EQ(current.json()["data"]["step"], "updated") << "the stale write must not land";

  const auto deleted = client->send("DELETE", collection + "/" + name);
  ASSERT_EQ(deleted.status, 200) << deleted.body;
  const auto gone = client->send("GET", collection + "/" + name);
  EXPECT_EQ(gone.status, 404);
  EXPECT_EQ(gone.json()["reason"], "NotFound");
}

TEST(ConfigMapSmoke, WrongTokenIsUnauthorized) {
  KAPPA_NEEDS_STACK();
  auto config = kappa::kube::load_kubeconfig(kappa::testing::stack_env().kubeconfig);
  config.bearer_token = "not-a-valid-token";
  kappa::kube::RestClient client(config);
  EXPECT_EQ(client.send("GET", "/api/v1/namespaces/default/configmaps").status, 401);
}

TEST(ConfigMapSmoke, UntrustedCaFailsTheHandshake) {
  KAPPA_NEEDS_STACK();
  auto config = kappa::kube::load_kubeconfig(kappa::testing::stack_env().kubeconfig);
  config.ca_pem.clear();  // the system trust store does not know the stack's CA
  kappa::kube::RestClient client(config);
  EXPECT_THROW(client.send("GET", "/version"), kappa::kube::TransportError);
}

}  // namespace

namespace {

// A server that accepts the connection but never answers: the client must
// give up after its timeout with a TransportError that says so.
TEST(RestClientTimeout, SilentServerTimesOutWithinTheConfiguredTimeout) {
  const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(listener, 4), 0);
  socklen_t len = sizeof addr;
  ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);

  kappa::kube::ClientConfig config;
  config.server = "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port));
  kappa::kube::RestClient client(config, std::chrono::milliseconds(1500));
  const auto started = std::chrono::steady_clock::now();
  try {
    client.send("GET", "/version");
    FAIL() << "a silent server must time out";
  } catch (const kappa::kube::TransportError& e) {
    EXPECT_TRUE(e.timed_out()) << e.what();
  }
  const auto took = std::chrono::steady_clock::now() - started;
  EXPECT_GE(took, std::chrono::milliseconds(1400));
  EXPECT_LT(took, std::chrono::seconds(5));
  ::close(listener);
}

}  // namespace
