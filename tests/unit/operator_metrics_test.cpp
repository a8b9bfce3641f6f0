// The operator's prometheus-cpp metrics: what /metrics renders, and that a
// finished version's series go away.
#include "metrics/operator_metrics.h"

#include <gtest/gtest.h>

#include "support/metric_text.h"

namespace {

using namespace std::chrono_literals;
using kappa::controllers::VersionProgress;
using kappa::controllers::VersionSeries;
using kappa::operator_metrics::OperatorMetrics;
using kappa::testing::metric_value;

const std::string kV2 = R"({namespace="ns",pipeline="stats",version="2"})";

TEST(OperatorMetrics, RendersTheRuntimeFamiliesWithPrometheusNames) {
  OperatorMetrics m;
  m.reconciled("pipeline", 20ms, false);
  m.reconciled("pipeline", 30ms, true);
  m.queue_added("pipeline");
  m.queue_retried("pipeline");
  m.queue_depth("pipeline", 3);
  m.queue_latency("pipeline", 2ms);
  m.api_request("GET", 200, 5ms);
  m.watch_restarted("pods", "expired");
  const std::string text = m.render(true);

  EXPECT_EQ(metric_value(text, "kappa_operator_leader"), 1) << text;
  EXPECT_EQ(metric_value(text, R"(kappa_operator_reconcile_total{controller="pipeline"})"), 2) << text;
  EXPECT_EQ(metric_value(text, R"(kappa_operator_reconcile_errors_total{controller="pipeline"})"), 1);
  EXPECT_EQ(metric_value(text, R"(kappa_operator_reconcile_duration_seconds_count{controller="pipeline"})"), 2);
  EXPECT_NEAR(*metric_value(text, R"(kappa_operator_reconcile_duration_seconds_sum{controller="pipeline"})"), 0.05,
              1e-9);
  EXPECT_EQ(metric_value(text, R"(kappa_operator_reconcile_duration_seconds_bucket{controller="pipeline",le="0.025"})"),
            1);
  EXPECT_EQ(metric_value(text, R"(kappa_operator_workqueue_adds_total{name="pipeline"})"), 1);
  EXPECT_EQ(metric_value(text, R"(kappa_operator_workqueue_retries_total{name="pipeline"})"), 1);
  EXPECT_EQ(metric_value(text, R"(kappa_operator_workqueue_depth{name="pipeline"})"), 3);
  EXPECT_EQ(metric_value(text, R"(kappa_operator_workqueue_queue_duration_seconds_count{name="pipeline"})"), 1);
  EXPECT_EQ(metric_value(text, R"(kappa_operator_api_requests_total{code="200",verb="GET"})"), 1);
  EXPECT_EQ(metric_value(text, R"(kappa_operator_api_request_duration_seconds_count{verb="GET"})"), 1);
  EXPECT_EQ(metric_value(text, R"(kappa_operator_watch_restarts_total{reason="expired",resource="pods"})"), 1);
  EXPECT_NE(text.find("# TYPE kappa_operator_reconcile_duration_seconds histogram"), std::string::npos);
  EXPECT_EQ(metric_value(m.render(false), "kappa_operator_leader"), 0);
}

TEST(OperatorMetrics, ErrorCounterStartsAtZeroWithTheFirstReconcile) {
  OperatorMetrics m;
  m.reconciled("reprocessing", 1ms, false);
  EXPECT_EQ(metric_value(m.render(true), R"(kappa_operator_reconcile_errors_total{controller="reprocessing"})"), 0);
}

TEST(OperatorMetrics, RendersRolloutCountersAndTheCatchUpHistogram) {
  OperatorMetrics m;
  m.switched("ns", "stats");
  m.switched("ns", "stats");
  m.rolled_back("ns", "stats");
  m.aborted("ns", "other");
  m.caught_up("ns", "stats", 90s);
  const std::string text = m.render(true);
  EXPECT_EQ(metric_value(text, R"(kappa_operator_switches_total{namespace="ns",pipeline="stats"})"), 2) << text;
  EXPECT_EQ(metric_value(text, R"(kappa_operator_rollbacks_total{namespace="ns",pipeline="stats"})"), 1);
  EXPECT_EQ(metric_value(text, R"(kappa_operator_aborts_total{namespace="ns",pipeline="other"})"), 1);
  EXPECT_FALSE(metric_value(text, R"(kappa_operator_aborts_total{namespace="ns",pipeline="stats"})"));
  const std::string catch_up = R"(kappa_operator_catch_up_duration_seconds)";
  EXPECT_EQ(metric_value(text, catch_up + R"(_count{namespace="ns",pipeline="stats"})"), 1);
  EXPECT_EQ(metric_value(text, catch_up + R"(_bucket{namespace="ns",pipeline="stats",le="60"})"), 0);
  EXPECT_EQ(metric_value(text, catch_up + R"(_bucket{namespace="ns",pipeline="stats",le="120"})"), 1);
  EXPECT_EQ(metric_value(text, catch_up + R"(_bucket{namespace="ns",pipeline="stats",le="86400"})"), 1);
}

TEST(OperatorMetrics, ADeletedPipelineTakesItsRolloutSeriesAlong) {
  OperatorMetrics m;
  for (const auto* pipeline : {"stats", "other"}) {
    m.switched("ns", pipeline);
    m.rolled_back("ns", pipeline);
    m.aborted("ns", pipeline);
    m.caught_up("ns", pipeline, 90s);
  }
  m.pipeline_gone("ns", "stats");
  m.pipeline_gone("ns", "never-seen");  // nothing to drop: no error
  const std::string text = m.render(true);
  for (const auto* family : {"kappa_operator_switches_total", "kappa_operator_rollbacks_total",
                             "kappa_operator_aborts_total", "kappa_operator_catch_up_duration_seconds_count"}) {
    EXPECT_FALSE(metric_value(text, std::string(family) + R"({namespace="ns",pipeline="stats"})")) << family;
    EXPECT_EQ(metric_value(text, std::string(family) + R"({namespace="ns",pipeline="other"})"), 1) << family;
  }
  // Created again under the name, it counts from zero.
  m.switched("ns", "stats");
  EXPECT_EQ(metric_value(m.render(true), R"(kappa_operator_switches_total{namespace="ns",pipeline="stats"})"), 1);
}

TEST(OperatorMetrics, LambdaBatchRunsAreTimedByOutcomeAndTheServingBatchsCompletionIsAGauge) {
  OperatorMetrics m;
  m.batch_finished("ns", "stats", true, 42s);
  m.batch_finished("ns", "stats", false, 3s);
  m.serving_batch("ns", "stats", std::chrono::system_clock::time_point(std::chrono::seconds(1700000000)));
  const std::string text = m.render(true);
  const std::string batch = "kappa_operator_batch_duration_seconds";
  EXPECT_EQ(metric_value(text, batch + R"(_count{namespace="ns",outcome="Succeeded",pipeline="stats"})"), 1) << text;
  EXPECT_EQ(metric_value(text, batch + R"(_bucket{namespace="ns",outcome="Succeeded",pipeline="stats",le="60"})"), 1);
  EXPECT_EQ(metric_value(text, batch + R"(_count{namespace="ns",outcome="Failed",pipeline="stats"})"), 1);
  const std::string completed = R"(kappa_operator_serving_batch_completed_timestamp_seconds{namespace="ns",pipeline="stats"})";
  EXPECT_EQ(metric_value(text, completed), 1700000000);
  m.pipeline_gone("ns", "stats");
  const std::string after = m.render(true);
  EXPECT_FALSE(metric_value(after, completed));
  EXPECT_FALSE(metric_value(after, batch + R"(_count{namespace="ns",outcome="Succeeded",pipeline="stats"})"));
}

TEST(OperatorMetrics, KafkaCallsAreTimedByOperationAndFailuresCountedByKind) {
  OperatorMetrics m;
  m.kafka_call("list_groups", 0.004s, std::nullopt);
  m.kafka_call("create_topic", 0.2s, kappa::kafka::KafkaErrorKind::Timeout);
  const std::string text = m.render(true);
  EXPECT_EQ(metric_value(text, R"(kappa_operator_kafka_admin_duration_seconds_count{operation="list_groups"})"), 1);
  EXPECT_EQ(metric_value(text, R"(kappa_operator_kafka_admin_duration_seconds_bucket{operation="list_groups",le="0.005"})"), 1);
  EXPECT_EQ(metric_value(text, R"(kappa_operator_kafka_admin_duration_seconds_count{operation="create_topic"})"), 1);
  EXPECT_EQ(metric_value(text, R"(kappa_operator_kafka_admin_errors_total{kind="Timeout",operation="create_topic"})"),
            1);
  EXPECT_FALSE(metric_value(text, R"(kappa_operator_kafka_admin_errors_total{kind="Timeout",operation="list_groups"})"));
}

TEST(OperatorMetrics, VersionGaugesFollowTheLatestMeasurement) {
  OperatorMetrics m;
  m.version_progress("ns/stats-abc", {"ns", "stats", 2}, VersionProgress{5000, 50, 1000, std::nullopt});
  std::string text = m.render(true);
  EXPECT_EQ(metric_value(text, "kappa_operator_version_lag_records" + kV2), 5000) << text;
  EXPECT_EQ(metric_value(text, "kappa_operator_version_progress_ratio" + kV2), 0.5);
  EXPECT_EQ(metric_value(text, "kappa_operator_version_records_per_second" + kV2), 1000);
  EXPECT_FALSE(metric_value(text, "kappa_operator_version_eta_seconds" + kV2)) << "no ETA while the rate is unknown";

  m.version_progress("ns/stats-abc", {"ns", "stats", 2}, VersionProgress{100, 99, 1000, 1});
  text = m.render(true);
  EXPECT_EQ(metric_value(text, "kappa_operator_version_lag_records" + kV2), 100);
  EXPECT_EQ(metric_value(text, "kappa_operator_version_progress_ratio" + kV2), 0.99);
  EXPECT_EQ(metric_value(text, "kappa_operator_version_eta_seconds" + kV2), 1);

  m.version_progress("ns/stats-abc", {"ns", "stats", 2}, VersionProgress{100, 99, 0, std::nullopt});
  EXPECT_FALSE(metric_value(m.render(true), "kappa_operator_version_eta_seconds" + kV2)) << "a stale ETA stayed";
}

TEST(OperatorMetrics, AFinishedVersionLeavesNoSeriesBehind) {
  OperatorMetrics m;
  m.version_progress("ns/stats-abc", {"ns", "stats", 2}, VersionProgress{10, 90, 5, 2});
  m.version_progress("ns/other-def", {"ns", "other", 7}, VersionProgress{10, 90, 5, 2});
  m.version_gone("ns/stats-abc");
  m.version_gone("ns/never-seen");  // harmless
  const std::string text = m.render(true);
  EXPECT_EQ(text.find(R"(pipeline="stats")"), std::string::npos) << text;
  EXPECT_EQ(metric_value(text, R"(kappa_operator_version_lag_records{namespace="ns",pipeline="other",version="7"})"),
            10);
  // The families stay declared (HELP/TYPE) with no series of the version.
  EXPECT_NE(text.find("# TYPE kappa_operator_version_lag_records gauge"), std::string::npos);
}

TEST(OperatorMetrics, AnOwnerThatMovesToAnotherVersionDropsTheOldSeries) {
  OperatorMetrics m;
  m.version_progress("ns/r", {"ns", "stats", 2}, VersionProgress{10, 90, 5, 2});
  m.version_progress("ns/r", {"ns", "stats", 3}, VersionProgress{20, 80, 5, 4});
  const std::string text = m.render(true);
  EXPECT_FALSE(metric_value(text, "kappa_operator_version_lag_records" + kV2)) << text;
  EXPECT_EQ(metric_value(text, R"(kappa_operator_version_lag_records{namespace="ns",pipeline="stats",version="3"})"),
            20);
  m.version_gone("ns/r");
  EXPECT_EQ(m.render(true).find(R"(pipeline="stats")"), std::string::npos);
}

}  // namespace
