// Manual promotion, abort, rollback, superseding templates and deletion on
// the real stack, with a watcher checking every switch of the Service.
#include "controllers/operator_fixture.h"
#include "controllers/service_watcher.h"
#include "controllers/serving_probe.h"

namespace kappa::testing {
namespace {

using LifecycleTest = OperatorTest;

TEST_F(LifecycleTest, ManualPromotionWaitsForPromoteAndAbortLeavesTheActiveVersionServing) {
  produce_events(2000, 40);
  ServiceWatcher watcher(*rest_, ns_, "stats");
  client_->create(api::kPipelines, ns_, pipeline_manifest("stats", {{"retireAfter", "10m"}}));
  await_pipeline_condition("stats", "Ready", "True");
  ServingProbe probe(*rest_, ns_, "stats", "u-1", 8080);

  patch_spec(api::kPipelines, "stats", {{"rollout", {{"promotion", "Manual"}}}});
  change_template("stats", "max_a");
  auto rp2 = await_phase("stats", 2, "Promotable");
  await_pipeline_condition("stats", "Reconciling", "True", 30s, "AwaitingPromotion");
  // Caught up, but nobody promoted it: serving stays on v1 however long we look.
  EXPECT_FALSE(wait_for(4s, [&] { return service_version("stats") != 1; }));
  EXPECT_EQ(condition(rp2, "CaughtUp"), "True");

  patch_spec(api::kReprocessings, rp2["metadata"].value("name", ""), {{"promote", true}});
  await_service_version("stats", 2, 60s);
  await_phase("stats", 2, "Succeeded");

  // v3 waits for promotion; an abort deletes it and leaves v2 serving.
  change_template("stats", "max_b");
  auto rp3 = await_phase("stats", 3, "Promotable");
  patch_spec(api::kReprocessings, rp3["metadata"].value("name", ""), {{"abort", true}});
  await_phase("stats", 3, "Aborted");
  expect_version_gone("stats", 3);
  EXPECT_EQ(service_version("stats"), 2);
  EXPECT_TRUE(find(kube::resources::kDeployments, "stats-v2"));
  // The aborted template is not retried by itself: the Pipeline says why.
  await_pipeline_condition("stats", "Stalled", "True", 30s, "RolloutAborted");
  EXPECT_EQ(get(api::kPipelines, "stats")["status"].value("activeVersion", 0), 2);
  // /metrics: one abort counted, two switches (v1's Service, v2), and the
  // Promotable v3's gauges went with it.
  const auto aborts = of_pipeline("kappa_operator_aborts_total", "stats");
  EXPECT_TRUE(wait_for(10s, [&] { return metric_value(scrape(), aborts) == 1; })) << scrape();
  EXPECT_TRUE(wait_for(10s, [&] { return version_series_gone("stats", 3); })) << scrape();
  EXPECT_EQ(metric_value(scrape(), of_pipeline("kappa_operator_switches_total", "stats")), 2);

  EXPECT_EQ(watcher.versions(), (std::vector<int64_t>{1, 2}));
  EXPECT_TRUE(watcher.violations().empty()) << watcher.violations().front();
  probe.expect_never_missed();
}

TEST_F(LifecycleTest, RollbackWithinTheWindowFlipsBackAndANewerTemplateSupersedesAnInFlightOne) {
  produce_events(2000, 40);
  ServiceWatcher watcher(*rest_, ns_, "stats");
  client_->create(api::kPipelines, ns_, pipeline_manifest("stats", {{"retireAfter", "10m"}}));
  await_pipeline_condition("stats", "Ready", "True");
  ServingProbe probe(*rest_, ns_, "stats", "u-1", 8080);
  change_template("stats", "max_a");
  await_service_version("stats", 2);

  // v1 is still warm: a rollback is one Service write back to it.
  client_->patch(api::kPipelines, ns_, "stats", kube::PatchType::Merge,
                 {{"metadata", {{"annotations", {{api::kAnnotationRollback, "true"}}}}}}, {});
  await_service_version("stats", 1, 30s);
  await_pipeline_condition("stats", "Ready", "True", 30s, "RolledBack");
  // The rolled-back template is not rolled out again by itself.
  EXPECT_FALSE(wait_for(4s, [&] { return reprocessing_of("stats", 3).has_value(); }));
  EXPECT_TRUE(find(kube::resources::kDeployments, "stats-v2")) << "v2 stays warm for a roll-forward";
  EXPECT_FALSE(get(api::kPipelines, "stats")["metadata"].value("annotations", json::object()).contains(
      api::kAnnotationRollback))
      << "the rollback request is consumed";

  // Two templates in a row while the first is in flight: the second wins.
  patch_spec(api::kPipelines, "stats", {{"rollout", {{"promotion", "Manual"}}}});
  change_template("stats", "max_b");
  await_phase("stats", 3, "Promotable");
  change_template("stats", "max_c");
  await_phase("stats", 3, "Aborted");
  expect_version_gone("stats", 3);
  auto rp4 = await_phase("stats", 4, "Promotable");
  EXPECT_EQ(service_version("stats"), 1);
  patch_spec(api::kReprocessings, rp4["metadata"].value("name", ""), {{"promote", true}});
  await_service_version("stats", 4, 60s);
  await_pipeline_condition("stats", "Ready", "True", 60s, "RolloutComplete");
  // /metrics: the rollback is a rollback, not a switch; the superseded v3
  // counts as an abort.
  const auto switches = of_pipeline("kappa_operator_switches_total", "stats");
  EXPECT_TRUE(wait_for(10s, [&] { return metric_value(scrape(), switches) == 3; })) << scrape();
  const std::string text = scrape();
  EXPECT_EQ(metric_value(text, of_pipeline("kappa_operator_rollbacks_total", "stats")), 1) << text;
  EXPECT_EQ(metric_value(text, of_pipeline("kappa_operator_aborts_total", "stats")), 1) << text;

  EXPECT_EQ(watcher.versions(), (std::vector<int64_t>{1, 2, 1, 4}));
  EXPECT_TRUE(watcher.violations().empty()) << watcher.violations().front();
  probe.expect_never_missed();
}

TEST_F(LifecycleTest, DeletingThePipelineRemovesEveryVersionReprocessingServiceTopicAndGroup) {
  produce_events(1000, 20);
  client_->create(api::kPipelines, ns_, pipeline_manifest("stats", {{"retireAfter", "10m"}, {"keepRetiredTables", 3}}));
  await_pipeline_condition("stats", "Ready", "True");
  patch_spec(api::kPipelines, "stats", {{"rollout", {{"promotion", "Manual"}}}});
  change_template("stats", "max_a");
  await_phase("stats", 2, "Promotable");  // an active version and a candidate
  ASSERT_TRUE(topic_exists(ns_ + ".stats.v1") && topic_exists(ns_ + ".stats.v2"));
  const auto switches = of_pipeline("kappa_operator_switches_total", "stats");
  EXPECT_EQ(metric_value(scrape(), switches), 1);  // v1's Service

  client_->remove(api::kPipelines, ns_, "stats", {});
  ASSERT_TRUE(wait_for(90s, [&] { return !find(api::kPipelines, "stats"); })) << "the Pipeline was never deleted";
  EXPECT_TRUE(client_->list(api::kReprocessings, ns_, {})["items"].empty());
  EXPECT_TRUE(client_->list(kube::resources::kDeployments, ns_, {})["items"].empty());
  EXPECT_FALSE(find(kube::resources::kServices, "stats"));
  EXPECT_TRUE(admin_->list_groups("kappa." + ns_ + ".").empty());
  EXPECT_TRUE(topics_become({input_topic_}));
  // Its series leave /metrics with it (v2's gauges with its Reprocessing).
  EXPECT_TRUE(wait_for(10s, [&] { return !metric_value(scrape(), switches); })) << scrape();
  EXPECT_TRUE(version_series_gone("stats", 2)) << scrape();
}

}  // namespace
}  // namespace kappa::testing
