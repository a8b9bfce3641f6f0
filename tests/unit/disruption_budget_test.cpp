// spec.podDisruptionBudget against the fake API: every running version gets
// a PodDisruptionBudget of its own pods, owned by its Deployment; a changed
// budget is patched in place (no new version), a removed one deleted, a
// deleted one recreated; a budget the version does not own is never
// written; a refused one stalls the Pipeline while v1 keeps serving.
#include <gtest/gtest.h>

#include "controllers/disruption_budget.h"
#include "controllers/pipeline_reconciler.h"
#include "controllers/serving_service.h"
#include "support/controller_harness.h"

namespace kappa::testing {
namespace {

constexpr const char* kNs = ControllerHarness::kNs;
const kube::Resource& kPdbs = kube::resources::kPodDisruptionBudgets;

class DisruptionBudgetTest : public ::testing::Test {
 protected:
  void reconcile() {
    h.client.sync();
    reconciler.reconcile("team/stats");
  }
  // v1 serving and v2 catching up, with `budget` in the spec.
  void two_versions(const json& budget) {
    json manifest = ControllerHarness::pipeline_manifest("stats");
    if (!budget.is_null()) manifest["spec"]["podDisruptionBudget"] = budget;
    h.seed_pipeline(manifest);
    h.seed_version("stats", 1);
    h.seed_service("stats", 1);
    h.seed_version("stats", 2, {{"image", "proc:2"}, {"replicas", 1}});
  }
  void set_budget(const json& budget) {
    h.client.patch(api::kPipelines, kNs, "stats", kube::PatchType::Merge, {{"spec", {{"podDisruptionBudget", budget}}}},
                   {});
  }
  std::optional<json> pdb(int64_t version) const { return h.client.stored(kPdbs, kNs, "stats-v" + std::to_string(version)); }
  int writes() const {
    return h.client.count(Verb::Create, &kPdbs) + h.client.count(Verb::Patch, &kPdbs) +
           h.client.count(Verb::Remove, &kPdbs);
  }

  ControllerHarness h;
  controllers::PipelineReconciler reconciler{h.context()};
};

TEST_F(DisruptionBudgetTest, EveryRunningVersionGetsABudgetOverItsOwnPodsOwnedByItsDeployment) {
  two_versions({{"maxUnavailable", 1}});
  const auto reprocessings_before = h.client.stored_all(api::kReprocessings, kNs).size();
  reconcile();
  for (int64_t version : {1, 2}) {
    const auto budget = pdb(version);
    ASSERT_TRUE(budget) << "v" << version;
    const json deployment = *h.client.stored(kube::resources::kDeployments, kNs, "stats-v" + std::to_string(version));
    EXPECT_TRUE(api::is_controlled_by(*budget, deployment));
    EXPECT_EQ((*budget)["metadata"]["ownerReferences"][0]["kind"], "Deployment");
    EXPECT_EQ((*budget)["spec"]["selector"]["matchLabels"], controllers::serving_selector("stats", version));
    EXPECT_EQ((*budget)["spec"]["selector"]["matchLabels"], deployment["spec"]["selector"]["matchLabels"]);
    EXPECT_EQ((*budget)["spec"]["maxUnavailable"], 1);
    EXPECT_FALSE((*budget)["spec"].contains("minAvailable"));
    EXPECT_EQ((*budget)["spec"]["unhealthyPodEvictionPolicy"], "AlwaysAllow");
    EXPECT_EQ((*budget)["metadata"]["labels"][api::kLabelManagedBy], api::kManagedBy) << "seen by the informer";
  }
  EXPECT_EQ(h.events("DisruptionBudget"), 2);

  h.client.clear_calls();
  reconcile();
  EXPECT_EQ(writes(), 0) << "a budget that matches is left alone";
  EXPECT_EQ(h.client.count(Verb::Get, &kPdbs), 0) << "read from the cache";
  EXPECT_EQ(h.client.stored_all(api::kReprocessings, kNs).size(), reprocessings_before)
      << "the budget is not part of the template";
}

TEST_F(DisruptionBudgetTest, AChangedBudgetIsPatchedInPlaceAndTheOtherFieldCleared) {
  two_versions({{"minAvailable", 1}});
  reconcile();
  set_budget({{"minAvailable", nullptr}, {"maxUnavailable", "50%"}});
  h.client.clear_calls();
  reconcile();
  EXPECT_EQ(h.client.count(Verb::Patch, &kPdbs), 2);
  EXPECT_EQ(h.client.count(Verb::Create, &kPdbs), 0);
  for (int64_t version : {1, 2}) {
    EXPECT_EQ((*pdb(version))["spec"]["maxUnavailable"], "50%");
    EXPECT_FALSE((*pdb(version))["spec"].contains("minAvailable"));
  }
}

TEST_F(DisruptionBudgetTest, RemovingTheBudgetDeletesTheVersionsBudgets) {
  two_versions({{"maxUnavailable", 1}});
  reconcile();
  set_budget(nullptr);
  reconcile();
  EXPECT_FALSE(pdb(1));
  EXPECT_FALSE(pdb(2));
  EXPECT_EQ(h.service_version("stats"), 1);
}

TEST_F(DisruptionBudgetTest, ADeletedBudgetComesBack) {
  two_versions({{"maxUnavailable", 1}});
  reconcile();
  h.client.remove(kPdbs, kNs, "stats-v1", {});
  reconcile();
  ASSERT_TRUE(pdb(1));
  EXPECT_EQ((*pdb(1))["spec"]["maxUnavailable"], 1);
}

TEST_F(DisruptionBudgetTest, ABudgetTheVersionDoesNotOwnIsNeverWritten) {
  two_versions(nullptr);
  h.client.seed(kPdbs, {{"apiVersion", "policy/v1"},
                        {"kind", "PodDisruptionBudget"},
                        {"metadata",
                         {{"name", "stats-v1"},
                          {"namespace", kNs},
                          {"labels", api::version_labels("stats", 1)}}},
                        {"spec", {{"minAvailable", 3}}}});
  reconcile();
  set_budget({{"maxUnavailable", 1}});
  h.client.clear_calls();
  reconcile();
  EXPECT_EQ((*pdb(1))["spec"]["minAvailable"], 3) << "someone else's";
  EXPECT_EQ(h.client.count(Verb::Patch, &kPdbs), 0);
  EXPECT_EQ(h.client.count(Verb::Remove, &kPdbs), 0);
  EXPECT_TRUE(pdb(2)) << "v2 has no such neighbour";
}

TEST_F(DisruptionBudgetTest, ARefusedBudgetStallsWithTheServersReasonAndV1KeepsServing) {
  two_versions({{"maxUnavailable", 1}});
  h.client.fail_nth(Verb::Create, kPdbs, 1, kube::ApiErrorKind::Invalid);
  reconcile();
  const json status = h.pipeline("stats")["status"];
  const auto stalled = api::find_condition(status["conditions"], "Stalled");
  ASSERT_TRUE(stalled);
  EXPECT_EQ(stalled->value("status", ""), "True");
  EXPECT_EQ(stalled->value("reason", ""), "InvalidSpec");
  EXPECT_EQ(h.service_version("stats"), 1);
}

}  // namespace
}  // namespace kappa::testing
