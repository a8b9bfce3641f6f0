// A Deployment of a mapped image goes through the real controller-manager
// (ReplicaSet, Pods), the real scheduler and the node agent, which runs each
// pod as a local process on its own loopback IP.
#include <gtest/gtest.h>

#include <cpprest/http_client.h>
#include <signal.h>

#include <nlohmann/json.hpp>
#include <set>

#include "support/kube_test_client.h"
#include "support/wait.h"

namespace {

using nlohmann::json;
using namespace std::chrono_literals;
using kappa::testing::stack_client;
using kappa::testing::unique_name;
using kappa::testing::wait_for;

json http_deployment(const std::string& name, int replicas) {
  const json labels = {{"app", name}};
  const json container = {
      {"name", "web"},
      {"image", "kappa.dev/test-http:1"},
      // The image maps to python3; $(POD_IP) is expanded by the node agent.
      {"args", {"-m", "http.server", "--bind", "$(POD_IP)", "8080"}},
      {"env", {{{"name", "POD_IP"}, {"valueFrom", {{"fieldRef", {{"fieldPath", "status.podIP"}}}}}}}},
      {"ports", {{{"name", "http"}, {"containerPort", 8080}}}},
      {"readinessProbe",
       {{"httpGet", {{"path", "/"}, {"port", "http"}}}, {"periodSeconds", 1}}}};
  return {{"apiVersion", "apps/v1"},
          {"kind", "Deployment"},
          {"metadata", {{"name", name}}},
          {"spec",
           {{"replicas", replicas},
            {"selector", {{"matchLabels", labels}}},
            {"template",
             {{"metadata", {{"labels", labels}}},
              {"spec", {{"terminationGracePeriodSeconds", 5}, {"containers", {container}}}}}}}}};
}

bool process_alive(int pid) { return ::kill(pid, 0) == 0 || errno == EPERM; }

int status_code_of(const std::string& url) {
  try {
    web::http::client::http_client_config config;
    config.set_timeout(2s);
    web::http::client::http_client client(url, config);
    return client.request(web::http::methods::GET).get().status_code();
  } catch (const std::exception&) {
    return -1;
  }
}

TEST(DeploymentSmoke, MappedImageBecomesReadyAndDeletionStopsProcesses) {
  KAPPA_NEEDS_STACK();
  auto client = stack_client();
  const std::string name = unique_name("smoke-web");
  const std::string deployments = "/apis/apps/v1/namespaces/default/deployments";
  const std::string pods_of = "/api/v1/namespaces/default/pods?labelSelector=app%3D" + name;
  constexpr int kReplicas = 2;

  const auto created = client->send("POST", deployments, http_deployment(name, kReplicas).dump());
  ASSERT_EQ(created.status, 201) << created.body;

  json deployment;
  const bool ready = wait_for(120s, [&] {
    const auto got = client->send("GET", deployments + "/" + name);
    if (!got.ok()) return false;
    deployment = got.json();
    return deployment["status"].value("readyReplicas", 0) == kReplicas;
  });
  ASSERT_TRUE(ready) << "readyReplicas never reached " << kReplicas << "; last status: "
                     << deployment["status"].dump() << "\npods: " << client->send("GET", pods_of).body;

  // Each pod runs as a process of its own, answering on its own pod IP.
  std::set<int> pids;
  std::set<std::string> ips;
  const json pods = client->send("GET", pods_of).json();
  for (const auto& pod : pods["items"]) {
    const std::string ip = pod["status"]["podIP"];
    ASSERT_TRUE(ip.rfind("127.", 0) == 0) << "pod IP should be a loopback address: " << ip;
    ips.insert(ip);
    const std::string container_id = pod["status"]["containerStatuses"][0]["containerID"];
    ASSERT_EQ(container_id.rfind("local://", 0), 0u) << container_id;
    const int pid = std::stoi(container_id.substr(std::string("local://").size()));
    EXPECT_TRUE(process_alive(pid)) << "pod process " << pid << " is not running";
    pids.insert(pid);
    EXPECT_EQ(status_code_of("http://" + ip + ":8080/"), 200) << "pod " << ip << " does not answer";
  }
  EXPECT_EQ(pids.size(), static_cast<std::size_t>(kReplicas));
  EXPECT_EQ(ips.size(), static_cast<std::size_t>(kReplicas)) << "pods must not share an IP";

  const auto deleted = client->send("DELETE", deployments + "/" + name,
                                    R"({"kind":"DeleteOptions","apiVersion":"v1","propagationPolicy":"Foreground"})");
  ASSERT_TRUE(deleted.ok()) << deleted.body;

  const bool gone = wait_for(90s, [&] {
    for (int pid : pids) {
      if (process_alive(pid)) return false;
    }
    return client->send("GET", pods_of).json()["items"].empty();
  });
  EXPECT_TRUE(gone) << "pods or their processes remain after deleting the Deployment: "
                    << client->send("GET", pods_of).body;
}

}  // namespace
