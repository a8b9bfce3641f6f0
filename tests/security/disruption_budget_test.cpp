// spec.podDisruptionBudget on the real stack: the operator gives the
// serving version a PodDisruptionBudget, the controller-manager's
// disruption controller counts its pods, and an eviction that would take
// the last Ready pod is refused (429) while v1 keeps serving. Without the
// budget the same eviction goes through.
#include "controllers/operator_fixture.h"

namespace kappa::testing {
namespace {

const kube::Resource& kPdbs = kube::resources::kPodDisruptionBudgets;

class DisruptionBudgetTest : public OperatorTest {
 protected:
  // The name of a pod of `version` (there is one replica).
  std::string pod_of(const std::string& pipeline, int64_t version) {
    const json pods = version_pods(pipeline, version);
    return pods["items"].empty() ? std::string() : pods["items"][0]["metadata"].value("name", "");
  }
  // What a node drain sends for each pod: the HTTP status of the answer.
  int evict(const std::string& pod) {
    const json eviction = {{"apiVersion", "policy/v1"},
                           {"kind", "Eviction"},
                           {"metadata", {{"name", pod}, {"namespace", ns_}}}};
    return rest_->send("POST", kube::resources::kPods.path(ns_, pod, "eviction"), eviction.dump()).status;
  }
  // The budget once the disruption controller has counted `healthy` pods
  // under its current spec.
  json await_counted_budget(const std::string& name, int healthy) {
    json last;
    const bool ok = wait_for(60s, [&] {
      const auto pdb = find(kPdbs, name);
      if (!pdb) return false;
      last = *pdb;
      const json status = last.value("status", json::object());
      return status.value("observedGeneration", int64_t{-1}) == last["metadata"].value("generation", int64_t{0}) &&
             status.value("currentHealthy", -1) == healthy;
    });
    EXPECT_TRUE(ok) << "PodDisruptionBudget " << name << " never counted " << healthy << " pods: " << last.dump();
    return last;
  }
};

TEST_F(DisruptionBudgetTest, TheBudgetRefusesEvictingTheLastReadyPodAndGoesWhenRemoved) {
  produce_events(200, 10);
  json manifest = pipeline_manifest("stats");
  manifest["spec"]["podDisruptionBudget"] = {{"minAvailable", 1}};
  client_->create(api::kPipelines, ns_, manifest);
  await_pipeline_condition("stats", "Ready", "True");

  const json pdb = await_counted_budget("stats-v1", 1);
  EXPECT_EQ(pdb["status"].value("disruptionsAllowed", -1), 0) << pdb.dump();
  EXPECT_EQ(pdb["metadata"]["ownerReferences"][0].value("name", ""), "stats-v1");
  const std::string pod = pod_of("stats", 1);
  ASSERT_FALSE(pod.empty());
  EXPECT_EQ(evict(pod), 429) << "the budget must refuse taking the only Ready pod";
  EXPECT_TRUE(find(kube::resources::kPods, pod)) << "the refused eviction deleted nothing";
  EXPECT_EQ(service_version("stats"), 1);

  // No budget: the PodDisruptionBudget goes, and so would a drained pod.
  client_->patch(api::kPipelines, ns_, "stats", kube::PatchType::Merge, {{"spec", {{"podDisruptionBudget", nullptr}}}},
                 {});
  ASSERT_TRUE(wait_for(60s, [&] { return !find(kPdbs, "stats-v1"); })) << "the budget was not removed";
  EXPECT_EQ(evict(pod), 201);
  ASSERT_TRUE(wait_for(120s, [&] {
    const std::string now = pod_of("stats", 1);
    return !now.empty() && now != pod;
  })) << "the ReplicaSet did not replace the evicted pod";
  await_pipeline_condition("stats", "Ready", "True");
  EXPECT_EQ(service_version("stats"), 1);
  EXPECT_TRUE(operator_->running());
}

}  // namespace
}  // namespace kappa::testing
