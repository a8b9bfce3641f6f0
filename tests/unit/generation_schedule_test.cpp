// When a Lambda Pipeline starts its next generation, against the fake API:
// spec.batch.every and spec.batch.schedule count from the newest
// generation's snapshot, kappa.dev/batch-now starts one at once (and is
// removed), one generation is built at a time, a failed one says so on the
// Pipeline, and ended generations beyond the history are deleted.
#include <gtest/gtest.h>

#include "api/names.h"
#include "api/status_names.h"
#include "controllers/pipeline_reconciler.h"
#include "kube/time_format.h"
#include "support/controller_harness.h"

namespace kappa::testing {
namespace {

constexpr const char* kNs = ControllerHarness::kNs;

class GenerationScheduleTest : public ::testing::Test {
 protected:
  // Generation 1 serves; its snapshot was taken at wall().
  void serve_generation_1(const json& batch) {
    json p = ControllerHarness::pipeline_manifest("stats");
    p["spec"]["architecture"] = "Lambda";
    if (!batch.is_null()) p["spec"]["batch"] = batch;
    h.seed_pipeline(p);
    h.seed_version("stats", 1);
    h.seed_service("stats", 1);
    seed_generation("stats-" + hash(), 1, api::phase::kSucceeded, "TemplateChange");
  }
  void seed_generation(const std::string& name, int64_t version, const std::string& phase, const std::string& trigger) {
    h.client.seed(api::kReprocessings,
                  {{"apiVersion", api::kApiVersion}, {"kind", "Reprocessing"},
                   {"metadata", {{"name", name}, {"namespace", kNs},
                                 {"labels", {{api::kLabelPipeline, "stats"}, {api::kLabelTemplateHash, hash()},
                                             {api::kLabelVersion, std::to_string(version)}}}}},
                   {"spec", {{"pipelineRef", {{"name", "stats"}}}, {"trigger", trigger}}},
                   {"status", {{"version", version}, {"phase", phase},
                               {"snapshotAt", kube::format_time(h.wall())}}}});
  }
  std::string hash() const {
    const auto s = h.spec("stats");
    return api::template_hash(s.processor, s);
  }
  kube::Result reconcile() {
    h.client.sync();
    return reconciler.reconcile("team/stats");
  }
  std::vector<json> generations(const std::string& trigger) const {
    std::vector<json> out;
    for (const auto& r : h.client.stored_all(api::kReprocessings, kNs)) {
      if (r["spec"].value("trigger", "") == trigger) out.push_back(r);
    }
    return out;
  }

  ControllerHarness h;
  controllers::PipelineReconciler reconciler{h.context()};
};

TEST_F(GenerationScheduleTest, EveryStartsTheNextGenerationThatLongAfterTheLastSnapshot) {
  serve_generation_1({{"every", "1h"}});
  h.advance(std::chrono::minutes(59));
  const auto early = reconcile();
  EXPECT_TRUE(generations("Schedule").empty()) << "not due yet";
  ASSERT_TRUE(early.requeue_after);
  EXPECT_LE(*early.requeue_after, std::chrono::minutes(1)) << "a pass is asked for when it is due";

  h.advance(std::chrono::minutes(1));
  reconcile();
  ASSERT_EQ(generations("Schedule").size(), 1u);
  const json rp = generations("Schedule")[0];
  EXPECT_EQ(rp["metadata"]["labels"][api::kLabelTemplateHash], hash());
  EXPECT_EQ(rp["spec"]["processor"], h.spec("stats").processor);
  reconcile();
  EXPECT_EQ(generations("Schedule").size(), 1u) << "one generation at a time, and the same slot's name";
  EXPECT_EQ(h.events("GenerationStarted"), 1);
}

TEST_F(GenerationScheduleTest, ACronScheduleStartsAGenerationAtItsNextMinute) {
  serve_generation_1({{"schedule", "0 * * * *"}});  // h.wall() is a whole hour
  h.advance(std::chrono::minutes(30));
  reconcile();
  EXPECT_TRUE(generations("Schedule").empty());
  h.advance(std::chrono::minutes(30));
  reconcile();
  EXPECT_EQ(generations("Schedule").size(), 1u);
}

TEST_F(GenerationScheduleTest, BatchNowStartsOneAtOnceAndTheAnnotationGoes) {
  serve_generation_1(nullptr);  // no schedule: only changes and requests
  reconcile();
  EXPECT_TRUE(generations("Requested").empty());
  h.client.patch(api::kPipelines, kNs, "stats", kube::PatchType::Merge,
                 {{"metadata", {{"annotations", {{api::kAnnotationBatchNow, "true"}}}}}}, {});
  reconcile();
  EXPECT_EQ(generations("Requested").size(), 1u);
  EXPECT_FALSE(h.pipeline("stats")["metadata"].value("annotations", json::object()).contains(api::kAnnotationBatchNow));
  reconcile();
  EXPECT_EQ(generations("Requested").size(), 1u);
}

TEST_F(GenerationScheduleTest, ARequestWhileAGenerationIsBuiltWaitsForIt) {
  serve_generation_1(nullptr);
  seed_generation("stats-sched", 2, api::phase::kBatching, "Schedule");
  h.client.patch(api::kPipelines, kNs, "stats", kube::PatchType::Merge,
                 {{"metadata", {{"annotations", {{api::kAnnotationBatchNow, "true"}}}}}}, {});
  reconcile();
  EXPECT_TRUE(generations("Requested").empty());
  EXPECT_TRUE(h.pipeline("stats")["metadata"]["annotations"].contains(api::kAnnotationBatchNow)) << "still wanted";
}

TEST_F(GenerationScheduleTest, AFailedGenerationStallsThePipelineAndServingStays) {
  serve_generation_1({{"every", "1h"}});
  seed_generation("stats-failed", 2, api::phase::kFailed, "Schedule");
  reconcile();
  const auto stalled =
      api::find_condition(h.pipeline("stats")["status"]["conditions"], api::condition::kStalled);
  ASSERT_TRUE(stalled);
  EXPECT_EQ(stalled->value("status", ""), "True");
  EXPECT_NE(stalled->value("message", "").find("v1 keeps serving; the next generation starts on schedule"),
            std::string::npos)
      << stalled->dump();
  EXPECT_EQ(h.service_version("stats"), 1);
}

TEST_F(GenerationScheduleTest, EndedGenerationsBeyondTheHistoryAreDeleted) {
  serve_generation_1(nullptr);
  for (int v = 2; v <= 13; ++v) seed_generation("stats-g" + std::to_string(v), v, api::phase::kSucceeded, "Schedule");
  reconcile();
  const auto kept = generations("Schedule");
  EXPECT_EQ(kept.size(), 10u);
  for (const auto& r : kept) EXPECT_GE(r["status"].value("version", 0), 4) << "the oldest go first";
}

}  // namespace
}  // namespace kappa::testing
