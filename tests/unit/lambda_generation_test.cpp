// A Lambda generation's steps against the fake API and Kafka
// (docs/lambda.md): the snapshot goes on record before the batch Job
// exists, the Job runs the processor bounded to exactly that snapshot, the
// speed layer starts at it only after the Job completed, a failed Job fails
// the generation without touching serving, and an abort removes the Job,
// both groups and all four tables.
#include <gtest/gtest.h>

#include "api/status_names.h"
#include "controllers/batch_job.h"
#include "controllers/reprocessing_reconciler.h"
#include "support/controller_harness.h"

namespace kappa::testing {
namespace {

constexpr const char* kNs = ControllerHarness::kNs;

std::string env_of(const json& pod_spec, const std::string& name) {
  for (const auto& e : pod_spec["containers"][0]["env"]) {
    if (e.value("name", "") == name) return e.value("value", "");
  }
  return "<unset>";
}

class LambdaGenerationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    json pipeline = ControllerHarness::pipeline_manifest("stats");
    pipeline["spec"]["architecture"] = "Lambda";
    h.seed_pipeline(pipeline);
    h.client.seed(api::kReprocessings,
                  {{"apiVersion", api::kApiVersion}, {"kind", "Reprocessing"},
                   {"metadata", {{"name", "stats-g"}, {"namespace", kNs}}},
                   {"spec", {{"pipelineRef", {{"name", "stats"}}}}}});
  }
  // As in the operator: a lag round ran since the last reconcile, and one
  // that measures a version seen for the first time wakes it at once.
  kube::Result reconcile() {
    h.client.sync();
    auto& poller = *h.context().lag_poller;
    poller.poll_round();
    const auto watched = poller.watched();
    const auto result = reconciler.reconcile("team/stats-g");
    if (poller.watched() <= watched) return result;
    h.client.sync();
    poller.poll_round();
    return reconciler.reconcile("team/stats-g");
  }
  json status() const { return h.client.stored(api::kReprocessings, kNs, "stats-g")->value("status", json::object()); }
  std::optional<json> job() const { return h.client.stored(kube::resources::kJobs, kNs, "stats-v1-batch"); }
  std::optional<json> deployment() const { return h.client.stored(kube::resources::kDeployments, kNs, "stats-v1"); }
  void finish_job(const std::string& type, const std::string& reason = "", const std::string& message = "") {
    json j = *job();
    j["status"] = {{"conditions", json::array({{{"type", type}, {"status", "True"}, {"reason", reason},
                                                 {"message", message}}})}};
    h.client.update_status(kube::resources::kJobs, j);
  }

  ControllerHarness h;
  controllers::ReprocessingReconciler reconciler{h.context()};
};

TEST_F(LambdaGenerationTest, TheSnapshotIsRecordedAndTheBatchJobRunsExactlyToIt) {
  reconcile();
  EXPECT_EQ(status()["snapshot"], json::parse(R"({"0":100,"1":100,"2":100})")) << "the input's end offsets";
  EXPECT_EQ(status()["batchRecords"], 300);
  EXPECT_EQ(status()["phase"], "Batching");
  ASSERT_TRUE(job());
  const json pod = (*job())["spec"]["template"]["spec"];
  EXPECT_EQ(env_of(pod, "KAPPA_BOUNDED"), "true");
  EXPECT_EQ(json::parse(env_of(pod, "KAPPA_STOP_AT")), status()["snapshot"]);
  EXPECT_EQ(env_of(pod, "KAPPA_START_FROM"), "earliest");
  EXPECT_EQ(env_of(pod, "KAPPA_CONSUMER_GROUP"), "kappa.team.stats.v1.batch");
  EXPECT_EQ(env_of(pod, "KAPPA_OUTPUT_TOPIC"), "team.stats.v1.batch");
  EXPECT_EQ(pod["restartPolicy"], "Never");
  EXPECT_FALSE((*job())["spec"]["template"]["metadata"]["labels"].contains(api::kLabelVersion))
      << "no serving Service may select a batch pod";
  EXPECT_TRUE(h.kafka().has_topic("team.stats.v1.batch"));
  EXPECT_TRUE(h.kafka().has_topic("team.stats.v1.batch.state"));
  EXPECT_FALSE(deployment()) << "the speed layer waits for the batch table";
  const auto owned = h.pipeline("stats")["status"]["ownedKafka"][0];
  EXPECT_EQ(owned["batchConsumerGroup"], "kappa.team.stats.v1.batch") << "on record before it exists";

  h.kafka().set_end(ControllerHarness::kInput, 150);  // the log grows while the batch runs
  const int creates = h.kafka().calls("create_topic");
  reconcile();
  EXPECT_EQ(h.kafka().calls("create_topic"), creates) << "a pass while the Job runs makes no table";
  EXPECT_EQ(status()["snapshot"], json::parse(R"({"0":100,"1":100,"2":100})")) << "a later pass keeps S_1";
  EXPECT_EQ(json::parse(env_of((*job())["spec"]["template"]["spec"], "KAPPA_STOP_AT")), status()["snapshot"]);
}

TEST_F(LambdaGenerationTest, TheSpeedLayerStartsAtTheSnapshotOnceTheBatchRunCompleted) {
  reconcile();
  h.kafka().set_end(ControllerHarness::kInput, 130);
  reconcile();
  ASSERT_FALSE(deployment());
  finish_job("Complete");
  reconcile();
  ASSERT_TRUE(deployment());
  const json pod = (*deployment())["spec"]["template"]["spec"];
  EXPECT_EQ(json::parse(env_of(pod, "KAPPA_START_FROM")), status()["snapshot"]);
  EXPECT_EQ(env_of(pod, "KAPPA_BATCH_STATE_TOPIC"), "team.stats.v1.batch.state");
  EXPECT_EQ(env_of(pod, "KAPPA_CONSUMER_GROUP"), "kappa.team.stats.v1");
  EXPECT_EQ(json::parse((*deployment())["metadata"]["annotations"][api::kAnnotationStartOffsets].get<std::string>()),
            status()["snapshot"])
      << "its lag counts from the snapshot";
  EXPECT_EQ(status()["startLag"], 90) << "only what came after S_1";
  EXPECT_TRUE(status().contains("batchCompletedAt"));
  EXPECT_EQ(status()["phase"], "CatchingUp");
  EXPECT_EQ(h.events("BatchCompleted"), 1);
  const auto lines = h.metrics().lines();
  EXPECT_NE(std::find(lines.begin(), lines.end(), "batch_succeeded team/stats 0s"), lines.end());
}

TEST_F(LambdaGenerationTest, AFailedBatchRunFailsTheGenerationAndLeavesServingAlone) {
  h.seed_service("stats", 7);
  reconcile();
  finish_job("Failed", "BackoffLimitExceeded", "Job has reached the specified backoff limit");
  reconcile();
  EXPECT_EQ(status()["phase"], "Failed");
  const auto stalled = api::find_condition(status()["conditions"], api::condition::kStalled);
  ASSERT_TRUE(stalled);
  EXPECT_EQ(stalled->value("reason", ""), "BatchFailed");
  EXPECT_NE(stalled->value("message", "").find("BackoffLimitExceeded"), std::string::npos);
  EXPECT_FALSE(deployment());
  EXPECT_EQ(h.service_version("stats"), 7);
  EXPECT_EQ(h.events("BatchFailed"), 1);
  const auto lines = h.metrics().lines();
  EXPECT_NE(std::find(lines.begin(), lines.end(), "batch_failed team/stats 0s"), lines.end());
}

TEST_F(LambdaGenerationTest, AnAbortDuringTheBatchRunRemovesItsJobGroupsAndTables) {
  reconcile();
  h.kafka().commit("kappa.team.stats.v1.batch", ControllerHarness::kInput, 40, /*has_members=*/false);
  json rp = *h.client.stored(api::kReprocessings, kNs, "stats-g");
  rp["spec"]["abort"] = true;
  h.client.seed(api::kReprocessings, rp);
  for (int pass = 0; pass < 3 && status().value("phase", "") != "Aborted"; ++pass) {
    reconcile();
    if (job()) h.client.remove(kube::resources::kJobs, kNs, "stats-v1-batch", {});  // foreground deletion ends
  }
  EXPECT_EQ(status()["phase"], "Aborted");
  EXPECT_FALSE(job());
  EXPECT_FALSE(h.kafka().has_group("kappa.team.stats.v1.batch"));
  for (const auto* t : {"team.stats.v1.batch", "team.stats.v1.batch.state"}) EXPECT_FALSE(h.kafka().has_topic(t)) << t;
}

TEST(BatchJob, ARefusedConfigurationFailsTheJobAtOnceAndAnyOtherExitIsRetried) {
  json pipeline = ControllerHarness::pipeline_manifest("stats");
  pipeline["spec"]["architecture"] = "Lambda";
  pipeline["spec"]["batch"] = {{"backoffLimit", 4}};
  pipeline["metadata"]["uid"] = "u";
  const auto spec = api::PipelineSpec::parse(pipeline);
  auto plan = controllers::plan_version(spec, 3, "stats-g", spec.processor, kafka::StartFrom::earliest());
  plan.snapshot = {{"0", 5}};
  const json job = controllers::build_batch_job(spec, pipeline, plan, {});
  EXPECT_EQ(job["spec"]["backoffLimit"], 4);
  const json rule = job["spec"]["podFailurePolicy"]["rules"][0];
  EXPECT_EQ(rule["action"], "FailJob");
  EXPECT_EQ(rule["onExitCodes"]["values"], json::array({2}));
  EXPECT_EQ(controllers::batch_outcome(job).state, controllers::BatchOutcome::State::Running);
}

}  // namespace
}  // namespace kappa::testing
