// A Lambda Pipeline's status against the fake API (docs/lambda.md, "The
// API"): the serving generation with its snapshot, the batch runs newest
// first with their outcomes, when the last generation started, and the
// conditions while a generation's batch runs. Kappa Pipelines get none of it.
#include <gtest/gtest.h>

#include "api/status_names.h"
#include "controllers/generation_status.h"
#include "controllers/pipeline_reconciler.h"
#include "kube/time_format.h"
#include "support/controller_harness.h"

namespace kappa::testing {
namespace {

using std::chrono::minutes;
constexpr const char* kNs = ControllerHarness::kNs;

class GenerationStatusTest : public ::testing::Test {
 protected:
  void seed_pipeline(const std::string& architecture) {
    json p = ControllerHarness::pipeline_manifest("stats");
    p["spec"]["architecture"] = architecture;
    h.seed_pipeline(p);
  }
  // v1 serving, as after the first generation switched.
  void serve_v1(const std::string& architecture = "Lambda") {
    seed_pipeline(architecture);
    h.seed_version("stats", 1);
    h.seed_service("stats", 1);
  }
  std::string at(minutes ago) const { return kube::format_time(h.wall() - ago); }
  // A generation's Reprocessing with `status` (its version included).
  void seed_generation(const std::string& name, const json& status) {
    const auto s = h.spec("stats");
    h.client.seed(api::kReprocessings,
                  {{"apiVersion", api::kApiVersion}, {"kind", "Reprocessing"},
                   {"metadata", {{"name", name}, {"namespace", kNs},
                                 {"labels", {{api::kLabelPipeline, "stats"},
                                             {api::kLabelTemplateHash, api::template_hash(s.processor, s)}}}}},
                   {"spec", {{"pipelineRef", {{"name", "stats"}}}, {"trigger", "Schedule"}}},
                   {"status", status}});
  }
  // Generation 1's batch ran from 3h to 2h ago over 300 records; it serves.
  void seed_served_generation_1() {
    seed_generation("stats-g1", {{"version", 1}, {"phase", "Succeeded"},
                                 {"snapshot", {{"0", 100}, {"1", 100}, {"2", 100}}}, {"snapshotAt", at(minutes(180))},
                                 {"batchStartedAt", at(minutes(180))}, {"batchCompletedAt", at(minutes(120))},
                                 {"batchRecords", 300}, {"completedAt", at(minutes(100))}});
  }
  void reconcile() {
    h.client.sync();
    reconciler.reconcile("team/stats");
  }
  json status() const { return h.pipeline("stats").value("status", json::object()); }
  std::string condition(const std::string& type) const {
    const auto c = api::find_condition(status().value("conditions", json::array()), type);
    return c ? c->value("status", "") + "/" + c->value("reason", "") : "";
  }
  std::string message(const std::string& type) const {
    const auto c = api::find_condition(status().value("conditions", json::array()), type);
    return c ? c->value("message", "") : "";
  }

  ControllerHarness h;
  controllers::PipelineReconciler reconciler{h.context()};
};

TEST_F(GenerationStatusTest, WhileABatchRunsServingGenerationAndRunsAreListedAndReconcilingSaysSo) {
  serve_v1();
  seed_served_generation_1();
  seed_generation("stats-g2", {{"version", 2}, {"phase", "Batching"},
                               {"snapshot", {{"0", 150}, {"1", 150}, {"2", 150}}}, {"snapshotAt", at(minutes(10))},
                               {"batchStartedAt", at(minutes(9))}, {"batchRecords", 450}, {"batchJob", "stats-v2-batch"}});
  reconcile();
  EXPECT_EQ(status()["servingGeneration"],
            json({{"version", 1}, {"snapshot", {{"0", 100}, {"1", 100}, {"2", 100}}},
                  {"snapshotAt", at(minutes(180))}, {"batchCompletedAt", at(minutes(120))}}));
  EXPECT_EQ(status()["lastGenerationStartedAt"], at(minutes(10))) << "the newest snapshot, not the serving one";
  EXPECT_EQ(status()["batchRuns"],
            json::parse(R"([{"version": 2, "reprocessing": "stats-g2", "startedAt": ")" + at(minutes(9)) +
                        R"(", "records": 450, "outcome": "Running"},
                            {"version": 1, "reprocessing": "stats-g1", "startedAt": ")" + at(minutes(180)) +
                        R"(", "completedAt": ")" + at(minutes(120)) +
                        R"(", "records": 300, "durationSeconds": 3600, "outcome": "Succeeded"}])"));
  EXPECT_EQ(condition("Reconciling"), "True/BatchRunning");
  EXPECT_EQ(message("Reconciling"),
            "generation 2: batch run (Job stats-v2-batch) folding 450 records up to its snapshot; v1 keeps serving");
  EXPECT_EQ(condition("Ready"), "False/BatchRunning") << "Ready summarises Reconciling, as for a catch-up";
  EXPECT_EQ(condition("Stalled"), "False/Progressing");
  EXPECT_EQ(condition("Serving"), "True/ActiveVersionServing");
  EXPECT_EQ(status()["candidateVersion"], 2);
}

TEST_F(GenerationStatusTest, AFailedJobAndAnAbortedRunAreFailedWithTheReprocessingsEnd) {
  serve_v1();
  seed_served_generation_1();
  seed_generation("stats-g2", {{"version", 2}, {"phase", "Aborted"}, {"snapshotAt", at(minutes(60))},
                               {"batchStartedAt", at(minutes(60))}, {"batchRecords", 400},
                               {"completedAt", at(minutes(55))}});
  const json batch_failed = {{"type", "Stalled"}, {"status", "True"}, {"reason", "BatchFailed"},
                             {"message", "Job stats-v3-batch failed (BackoffLimitExceeded: 4 pods failed)"}};
  seed_generation("stats-g3", {{"version", 3}, {"phase", "Failed"}, {"snapshotAt", at(minutes(30))},
                               {"batchStartedAt", at(minutes(29))}, {"batchRecords", 450},
                               {"completedAt", at(minutes(19))}, {"conditions", json::array({batch_failed})}});
  seed_generation("stats-g4", {{"version", 4}, {"phase", "Provisioning"}});  // no batch run yet
  reconcile();
  const json runs = status()["batchRuns"];
  ASSERT_EQ(runs.size(), 3u) << runs;
  EXPECT_EQ(runs[0], json::parse(R"({"version": 3, "reprocessing": "stats-g3", "startedAt": ")" + at(minutes(29)) +
                                 R"(", "completedAt": ")" + at(minutes(19)) +
                                 R"(", "records": 450, "durationSeconds": 600, "outcome": "Failed"})"));
  EXPECT_EQ(runs[1]["outcome"], "Failed") << "aborted mid-run: no batch table came of it";
  EXPECT_EQ(runs[1]["durationSeconds"], 300);
  EXPECT_EQ(runs[2]["outcome"], "Succeeded");
  EXPECT_EQ(status()["servingGeneration"]["version"], 1) << "a failed generation leaves serving alone";
  EXPECT_EQ(status()["lastGenerationStartedAt"], at(minutes(30)));
}

TEST_F(GenerationStatusTest, AFailedNewestGenerationStallsWithBatchFailed) {
  serve_v1();
  seed_served_generation_1();
  seed_generation("stats-g2", {{"version", 2}, {"phase", "Failed"}, {"batchStartedAt", at(minutes(29))},
                               {"completedAt", at(minutes(19))},
                               {"conditions", json::array({{{"type", "Stalled"}, {"status", "True"},
                                                            {"reason", "BatchFailed"}, {"message", "Job failed"}}})}});
  reconcile();
  EXPECT_EQ(condition("Stalled"), "True/BatchFailed");
  EXPECT_EQ(condition("Ready"), "False/BatchFailed");
  EXPECT_EQ(condition("Serving"), "True/ActiveVersionServing");
}

TEST_F(GenerationStatusTest, AtMostTheTenNewestBatchRunsAreListed) {
  serve_v1();
  seed_served_generation_1();
  for (int v = 2; v <= 13; ++v) {
    seed_generation("stats-g" + std::to_string(v),
                    {{"version", v}, {"phase", "Succeeded"}, {"batchStartedAt", at(minutes(100 - v))},
                     {"batchCompletedAt", at(minutes(99 - v))}, {"snapshotAt", at(minutes(100 - v))}});
  }
  reconcile();
  const json runs = status()["batchRuns"];
  ASSERT_EQ(runs.size(), controllers::kBatchRunHistory);
  for (std::size_t i = 0; i < runs.size(); ++i) EXPECT_EQ(runs[i]["version"], 13 - static_cast<int>(i));
  EXPECT_EQ(runs[0]["durationSeconds"], 60);
}

TEST_F(GenerationStatusTest, TheFirstGenerationsBatchRunSaysNothingServesYet) {
  seed_pipeline("Lambda");
  seed_generation("stats-g1", {{"version", 1}, {"phase", "Batching"}, {"snapshotAt", at(minutes(2))},
                               {"batchStartedAt", at(minutes(1))}, {"batchRecords", 300}});
  reconcile();
  EXPECT_EQ(condition("Reconciling"), "True/BatchRunning");
  EXPECT_EQ(message("Reconciling"),
            "generation 1: batch run folding 300 records up to its snapshot; nothing serves yet");
  EXPECT_EQ(condition("Ready"), "False/NoActiveVersion");
  EXPECT_FALSE(status().contains("servingGeneration"));
  EXPECT_EQ(status()["batchRuns"][0]["outcome"], "Running");
  EXPECT_FALSE(status()["batchRuns"][0].contains("completedAt"));
  EXPECT_FALSE(status()["batchRuns"][0].contains("durationSeconds"));
}

TEST_F(GenerationStatusTest, ALambdaCatchUpIsTheSpeedLayersAndANewGenerationIsNamedSo) {
  serve_v1();
  seed_served_generation_1();
  seed_generation("stats-g2", {{"version", 2}, {"phase", "CatchingUp"}, {"lag", 40}, {"progressPercent", 60},
                               {"etaSeconds", 90}, {"batchStartedAt", at(minutes(9))},
                               {"batchCompletedAt", at(minutes(2))}});
  reconcile();
  EXPECT_EQ(condition("Reconciling"), "True/CatchingUp");
  EXPECT_EQ(message("Reconciling"), "generation 2's speed layer catching up: lag 40, 60%, ETA 1m30s");
  EXPECT_EQ(status()["batchRuns"][0]["outcome"], "Succeeded") << "the batch part of a generation is done";

  h.client.remove(api::kReprocessings, kNs, "stats-g2", {});
  seed_generation("stats-g3", {{"phase", "Pending"}});  // no version yet
  reconcile();
  EXPECT_EQ(condition("Reconciling"), "True/RolloutPending");
  EXPECT_EQ(message("Reconciling"), "a new generation is being started");
}

// A record stays true when its Reprocessing is gone: the serving
// generation's, and the time the last generation started.
TEST_F(GenerationStatusTest, RecordsOfDeletedReprocessingsStayWhileTheyAreTrue) {
  serve_v1();
  seed_served_generation_1();
  seed_generation("stats-g2", {{"version", 2}, {"phase", "Failed"}, {"snapshotAt", at(minutes(10))}});
  reconcile();
  const json serving = status()["servingGeneration"];
  h.client.remove(api::kReprocessings, kNs, "stats-g1", {});
  h.client.remove(api::kReprocessings, kNs, "stats-g2", {});
  reconcile();
  EXPECT_EQ(status()["servingGeneration"], serving);
  EXPECT_EQ(status()["lastGenerationStartedAt"], at(minutes(10)));
  EXPECT_FALSE(status().contains("batchRuns")) << "runs are listed from the Reprocessings that remain";
}

TEST_F(GenerationStatusTest, AKappaPipelineGetsNoGenerationFields) {
  serve_v1("Kappa");
  seed_served_generation_1();  // even if a Reprocessing carried them
  reconcile();
  for (const char* field : {"servingGeneration", "batchRuns", "lastGenerationStartedAt"}) {
    EXPECT_FALSE(status().contains(field)) << field;
  }
  EXPECT_EQ(condition("Ready"), "True/RolloutComplete");
}

TEST(BatchRun, OutcomeFollowsTheRunAndTheReprocessing) {
  const auto rp = [](const json& status) {
    return json{{"metadata", {{"name", "g"}}}, {"status", status}};
  };
  const std::string t0 = "2026-11-24T10:00:00Z", t1 = "2026-11-24T10:02:05Z";
  EXPECT_EQ(controllers::batch_run(rp({{"version", 2}, {"phase", "Batching"}, {"batchStartedAt", t0}})),
            json({{"version", 2}, {"reprocessing", "g"}, {"startedAt", t0}, {"outcome", "Running"}}));
  const json promoted = {{"version", 2}, {"phase", "Promoted"}, {"batchStartedAt", t0},
                         {"batchCompletedAt", t1}, {"completedAt", "2026-11-24T11:00:00Z"}};
  EXPECT_EQ(controllers::batch_run(rp(promoted))["durationSeconds"], 125)
      << "the batch run's own end, not the generation's";
  EXPECT_EQ(controllers::batch_run(rp({{"version", 2}, {"phase", "Failed"}, {"batchStartedAt", t0},
                                       {"completedAt", t1}}))["outcome"],
            "Failed");
  EXPECT_FALSE(controllers::batch_run(rp({{"version", 2}, {"phase", "Failed"}, {"batchStartedAt", t0}}))
                   .contains("durationSeconds"))
      << "no end on record, no duration";
}

}  // namespace
}  // namespace kappa::testing
