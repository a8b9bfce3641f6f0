// A Pipeline pass reads its serving Service from the informer cache and
// fresh only before a write whose choice depends on it (invariant 2 in
// docs/design.md). A cache that has not seen a switch yet must not make
// the pass act on the old active version.
#include <gtest/gtest.h>

#include "controllers/pipeline_reconciler.h"
#include "support/controller_harness.h"

namespace kappa::testing {
namespace {

constexpr const char* kNs = ControllerHarness::kNs;

class PipelineServiceReadTest : public ::testing::Test {
 protected:
  // Every cache brought up to date except the Services'.
  void sync_all_but_services() {
    for (const auto* r : {&api::kPipelines, &api::kReprocessings, &kube::resources::kDeployments}) h.client.sync(*r);
  }
  kube::Result reconcile() { return reconciler.reconcile("team/stats"); }
  int service_reads() const { return h.client.count(Verb::Get, &kube::resources::kServices); }
  json status() const { return h.pipeline("stats").value("status", json::object()); }

  ControllerHarness h;
  controllers::PipelineReconciler reconciler{h.context()};
};

TEST_F(PipelineServiceReadTest, ASteadyPassReadsTheServiceFromTheCacheOnly) {
  h.seed_pipeline(ControllerHarness::pipeline_manifest("stats"));
  h.seed_version("stats", 1);
  h.seed_service("stats", 1);
  h.client.sync();
  reconcile();
  h.client.sync();
  h.client.clear_calls();
  reconcile();
  EXPECT_EQ(service_reads(), 0);
  EXPECT_EQ(status()["activeVersion"], 1);
}

// v2 was just switched to (its Reprocessing ended Succeeded); the cache
// still shows the Service selecting v1, whose template is no longer the
// spec's. From the cache alone the pass would start another version of the
// template v2 already serves, and mark v2 standby.
TEST_F(PipelineServiceReadTest, ASwitchTheCacheHasNotSeenIsReadFreshBeforeAnyWriteThatDependsOnIt) {
  h.seed_pipeline(ControllerHarness::pipeline_manifest("stats", {{"retireAfter", "60s"}}));
  json v1_template = h.spec("stats").processor;
  v1_template["image"] = "proc:0";
  h.seed_version("stats", 1, v1_template);
  h.seed_version("stats", 2);
  h.seed_service("stats", 1);
  h.client.sync();
  json service = *h.client.stored(kube::resources::kServices, kNs, "stats");
  service["spec"]["selector"][api::kLabelVersion] = "2";
  h.client.update(kube::resources::kServices, service);
  sync_all_but_services();

  reconcile();
  EXPECT_TRUE(h.client.stored_all(api::kReprocessings, kNs).empty()) << "no second version of the served template";
  EXPECT_TRUE(h.annotation(kube::resources::kDeployments, "stats-v2", api::kAnnotationStandbySince).empty());
  EXPECT_FALSE(h.annotation(kube::resources::kDeployments, "stats-v1", api::kAnnotationStandbySince).empty());
  EXPECT_EQ(status()["activeVersion"], 2);
}

// The cache holds only Services this operator manages: someone else's
// Service of the same name is never in it, and is still never written.
TEST_F(PipelineServiceReadTest, SomeoneElsesServiceOutsideTheCacheIsFoundAndLeftAlone) {
  h.seed_pipeline(ControllerHarness::pipeline_manifest("stats"));
  const json foreign = h.client.seed(kube::resources::kServices, {{"metadata", {{"name", "stats"}, {"namespace", kNs}}},
                                                                 {"spec", {{"selector", {{"app", "other"}}}}}});
  for (int pass = 0; pass < 2; ++pass) {
    sync_all_but_services();
    reconcile();
    const auto stalled = api::find_condition(status().value("conditions", json::array()), "Stalled");
    ASSERT_TRUE(stalled) << "pass " << pass;
    EXPECT_EQ(stalled->value("reason", ""), "ServiceNotOwned") << "pass " << pass;
  }
  EXPECT_EQ(h.client.stored(kube::resources::kServices, kNs, "stats"), foreign);
  EXPECT_TRUE(h.client.stored_all(api::kReprocessings, kNs).empty());
}

}  // namespace
}  // namespace kappa::testing
