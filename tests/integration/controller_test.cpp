// The runtime assembled: informers feed a Controller whose reconciler keeps
// an owned "echo" ConfigMap equal to each primary ConfigMap. Events of the
// primary and of the owned object both lead back to the primary's key.
#include "kube/controller.h"

#include <gtest/gtest.h>

#include "kube/api_error.h"
#include "kube/http_kube_client.h"
#include "support/kube_test_client.h"
#include "support/wait.h"

namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using kappa::kube::Controller;
using kappa::kube::HttpKubeClient;
using kappa::kube::Informer;
using kappa::testing::wait_for;
namespace res = kappa::kube::resources;

class EchoReconciler : public kappa::kube::Reconciler {
 public:
  EchoReconciler(HttpKubeClient& client, Informer& primaries, Informer& echoes)
      : client_(client), primaries_(primaries), echoes_(echoes) {}

  kappa::kube::Result reconcile(const std::string& key) override {
    const auto primary = primaries_.cache().get(key);
    if (!primary) return {};  // deleted: garbage collection removes the echo
    const std::string ns = (*primary)["metadata"]["namespace"];
    const std::string name = std::string((*primary)["metadata"]["name"]) + "-echo";
    const json data = primary->value("data", json::object());
    const auto echo = echoes_.cache().get(ns + "/" + name);
    if (!echo) {
      client_.create(res::kConfigMaps, ns,
                     {{"apiVersion", "v1"},
                      {"kind", "ConfigMap"},
                      {"metadata",
                       {{"name", name},
                        {"namespace", ns},
                        {"labels", {{"role", "echo"}}},
                        {"ownerReferences",
                         {{{"apiVersion", "v1"},
                           {"kind", "ConfigMap"},
                           {"name", (*primary)["metadata"]["name"]},
                           {"uid", (*primary)["metadata"]["uid"]},
                           {"controller", true}}}}}},
                      {"data", data}});
    } else if (echo->value("data", json::object()) != data) {
      json updated = *echo;
      updated["data"] = data;
      client_.update(res::kConfigMaps, updated);  // a stale cache gives 409: retried
    }
    ++reconciles;
    return {};
  }
  std::atomic<int> reconciles{0};

 private:
  HttpKubeClient& client_;
  Informer& primaries_;
  Informer& echoes_;
};

TEST(ControllerIntegration, KeepsOwnedObjectsInStepWithThePrimary) {
  KAPPA_NEEDS_STACK();
  auto rest = kappa::testing::stack_client();
  HttpKubeClient client(*rest);
  const std::string ns = kappa::testing::unique_name("ctl");
  client.create(res::kNamespaces, "", {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", ns}}}});

  Informer primaries(*rest, res::kConfigMaps, {.ns = ns, .label_selector = "role=primary", .field_selector = ""});
  Informer echoes(*rest, res::kConfigMaps, {.ns = ns, .label_selector = "role=echo", .field_selector = ""});
  EchoReconciler reconciler(client, primaries, echoes);
  Controller controller("echo", reconciler, 2);
  // ConfigMaps have no generation; react to every update of the primary.
  controller.watch_primary(primaries, /*generation_changed_only=*/false);
  controller.watch_owned(echoes, "ConfigMap");
  primaries.start();
  echoes.start();
  ASSERT_TRUE(primaries.wait_for_sync(10s) && echoes.wait_for_sync(10s));
  controller.start();

  client.create(res::kConfigMaps, ns,
                {{"apiVersion", "v1"},
                 {"kind", "ConfigMap"},
                 {"metadata", {{"name", "p"}, {"labels", {{"role", "primary"}}}}},
                 {"data", {{"k", "1"}}}});
  auto echo_value = [&] {
    try {
      return client.get(res::kConfigMaps, ns, "p-echo")["data"].value("k", "");
    } catch (const kappa::kube::ApiError&) {
      return std::string();
    }
  };
  ASSERT_TRUE(wait_for(15s, [&] { return echo_value() == "1"; })) << "the echo was not created";

  client.patch(res::kConfigMaps, ns, "p", kappa::kube::PatchType::Merge, {{"data", {{"k", "2"}}}}, {});
  ASSERT_TRUE(wait_for(15s, [&] { return echo_value() == "2"; })) << "a primary change did not propagate";

  // Tampering with the owned object brings the primary's reconcile back.
  client.patch(res::kConfigMaps, ns, "p-echo", kappa::kube::PatchType::Merge, {{"data", {{"k", "tampered"}}}}, {});
  ASSERT_TRUE(wait_for(15s, [&] { return echo_value() == "2"; })) << "an owned object's drift was not repaired";
  client.remove(res::kConfigMaps, ns, "p-echo", {});
  ASSERT_TRUE(wait_for(15s, [&] { return echo_value() == "2"; })) << "a deleted owned object was not recreated";

  controller.stop();
  primaries.stop();
  echoes.stop();
  client.remove(res::kNamespaces, "", ns, {});
}

}  // namespace
