// The versioned rollout on the real stack: real apiserver, real Kafka, the
// operator binary, and kappa-processor pods run by the node agent.
#include "controllers/operator_fixture.h"
#include "controllers/service_watcher.h"
#include "controllers/serving_probe.h"
#include "support/http_get.h"

namespace kappa::testing {
namespace {

class RolloutTest : public OperatorTest {
 protected:
  // The row `key` once the version's serving table has it with
  // `total_events` (a pod's table follows its output topic closely, not
  // instantly).
  std::optional<json> await_row(const std::string& pipeline, int64_t version, const std::string& key, int events) {
    std::optional<json> row;
    wait_for(30s, [&] {
      row = query_version(pipeline, version, key);
      return row && row->value("total_events", 0) == events;
    });
    return row;
  }
};

TEST_F(RolloutTest, NewPipelineServesV1ThenAConfigChangeSwitchesToV2OnlyAfterCatchUpAndRetiresV1) {
  produce_events(3000, 50);
  ServiceWatcher watcher(*rest_, ns_, "stats");
  client_->create(api::kPipelines, ns_, pipeline_manifest("stats"));

  await_pipeline_condition("stats", "Ready", "True");
  auto pipeline = get(api::kPipelines, "stats");
  EXPECT_EQ(pipeline["status"].value("activeVersion", 0), 1);
  EXPECT_EQ(service_version("stats"), 1);
  const auto v1 = get(kube::resources::kDeployments, "stats-v1");
  EXPECT_EQ(v1["metadata"]["labels"].value(api::kLabelVersion, ""), "1");
  const auto row = await_row("stats", 1, "u-1", 60);
  ASSERT_TRUE(row.has_value()) << "v1 does not answer for u-1: " << last_answer_;
  EXPECT_EQ((*row).value("total_events", 0), 60);  // 3000 events over 50 users
  ServingProbe probe(*rest_, ns_, "stats", "u-1", 8080);

  // v1 was the first version: the Service's creation is its switch, and
  // its catch-up was timed. Its per-version gauges went with its rollout.
  ASSERT_TRUE(wait_for(30s, [&] { return version_series_gone("stats", 1); })) << scrape();
  const std::string before = scrape();
  const auto switches = of_pipeline("kappa_operator_switches_total", "stats");
  const auto catch_ups = of_pipeline("kappa_operator_catch_up_duration_seconds_count", "stats");
  EXPECT_EQ(metric_value(before, switches), 1) << before;
  EXPECT_EQ(metric_value(before, catch_ups), 1) << before;

  // GitOps edit: a new aggregate is a new version template.
  produce_events(20000, 50, 2);
  patch_spec(api::kPipelines, "stats",
             {{"processor", {{"config", {{"aggregates", {{"max_revenue", {{"op", "max"}, {"field", "revenue"}}}}}}}}}});
  std::vector<int> progress;
  std::vector<int64_t> lags;
  std::vector<double> lag_gauge;  // v2's lag as /metrics showed it during catch-up
  ASSERT_TRUE(wait_for(180s, [&] {
    if (const auto rp = reprocessing_of("stats", 2); rp && rp->contains("status")) {
      const auto& s = (*rp)["status"];
      if (s.contains("progressPercent")) progress.push_back(s.value("progressPercent", 0));
      if (s.contains("lag")) lags.push_back(s.value("lag", int64_t{0}));
    }
    if (const auto lag = metric_value(scrape(), of_version("kappa_operator_version_lag_records", "stats", 2))) {
      lag_gauge.push_back(*lag);
    }
    return service_version("stats") == 2;
  }, 100ms)) << "the Service never switched to v2";
  ASSERT_FALSE(lag_gauge.empty()) << "v2's lag gauge never appeared during catch-up";
  EXPECT_GT(lag_gauge.front(), 0) << "the first measurement is taken before v2's pods have replayed anything";
  ASSERT_FALSE(progress.empty());
  EXPECT_EQ(progress.back(), 100);
  EXPECT_TRUE(std::is_sorted(progress.begin(), progress.end())) << "progress went backwards";
  EXPECT_EQ(lags.back(), 0);

  const auto rp2 = reprocessing_of("stats", 2);
  ASSERT_TRUE(rp2);
  EXPECT_EQ((*rp2)["status"].value("consumerGroup", ""), "kappa." + ns_ + ".stats.v2");
  EXPECT_EQ((*rp2)["status"].value("outputTopic", ""), ns_ + ".stats.v2");
  EXPECT_GT((*rp2)["status"].value("startLag", int64_t{0}), 0);

  // v2's rollout is over: exactly one more switch, one more timed
  // catch-up, no abort, and none of v2's per-version gauges left.
  ASSERT_TRUE(wait_for(30s, [&] { return version_series_gone("stats", 2); })) << scrape();
  const std::string after = scrape();
  EXPECT_EQ(metric_value(after, switches), 2) << after;
  EXPECT_EQ(metric_value(after, catch_ups), 2) << after;
  EXPECT_FALSE(metric_value(after, of_pipeline("kappa_operator_aborts_total", "stats"))) << after;
  EXPECT_FALSE(metric_value(after, of_pipeline("kappa_operator_rollbacks_total", "stats"))) << after;

  // v1 stays warm for retireAfter (5 s), then goes: Deployment, group, table.
  ASSERT_TRUE(wait_for(90s, [&] {
    return !find(kube::resources::kDeployments, "stats-v1") && !group_exists("kappa." + ns_ + ".stats.v1") &&
           !topic_exists(ns_ + ".stats.v1");
  })) << "v1 was not retired";
  EXPECT_TRUE(topic_exists(ns_ + ".stats.v2"));
  await_pipeline_condition("stats", "Ready", "True");
  pipeline = get(api::kPipelines, "stats");
  EXPECT_EQ(pipeline["status"].value("activeVersion", 0), 2);
  const auto row2 = await_row("stats", 2, "u-1", 460);
  ASSERT_TRUE(row2.has_value());
  EXPECT_EQ((*row2).value("total_events", 0), 460);  // 3000 + 20000 events over 50 users
  EXPECT_TRUE((*row2).contains("max_revenue"));

  EXPECT_EQ(watcher.versions(), (std::vector<int64_t>{1, 2}));
  EXPECT_TRUE(watcher.violations().empty()) << watcher.violations().front();
  probe.expect_never_missed();

  // The operator's /metrics counted what it did.
  const std::string metrics = scrape();
  ASSERT_FALSE(metrics.empty());
  EXPECT_EQ(metric_value(metrics, "kappa_operator_leader"), 1) << metrics;
  for (const std::string controller : {"pipeline", "reprocessing"}) {
    EXPECT_GT(metric_value(metrics, "kappa_operator_reconcile_total{controller=\"" + controller + "\"}").value_or(0), 0)
        << metrics;
    EXPECT_GT(metric_value(metrics, "kappa_operator_reconcile_duration_seconds_count{controller=\"" + controller +
                                        "\"}").value_or(0), 0);
    EXPECT_GT(metric_value(metrics, "kappa_operator_workqueue_queue_duration_seconds_count{name=\"" + controller +
                                        "\"}").value_or(0), 0);
  }
  for (const std::string operation : {"lag_batch", "list_groups", "create_topics", "delete_group"}) {
    EXPECT_GT(metric_value(metrics, "kappa_operator_kafka_admin_duration_seconds_count{operation=\"" + operation +
                                        "\"}").value_or(0), 0) << operation;
  }
  EXPECT_FALSE(metric_value(metrics, "kappa_operator_kafka_admin_duration_seconds_count{operation=\"lag\"}"))
      << "lag is measured in batches only";
  EXPECT_FALSE(metric_value(metrics, "kappa_operator_kafka_admin_duration_seconds_count{operation=\"create_topic\"}"))
      << "a version's tables are made in one request";
}

}  // namespace
}  // namespace kappa::testing
