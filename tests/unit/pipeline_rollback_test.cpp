// A rollback request (kappa.dev/rollback on the Pipeline) flips the serving
// Service once, whatever step the operator dies or fails at: a retry never
// flips serving back, and never reports a second RolledBack.
#include <gtest/gtest.h>

#include "controllers/pipeline_reconciler.h"
#include "support/controller_harness.h"

namespace kappa::testing {
namespace {

using kube::ApiErrorKind;

class PipelineRollbackTest : public ::testing::Test {
 protected:
  // v1 (template A) warm, v2 (template B) serving, then a rollback request.
  void SetUp() override {
    json manifest = ControllerHarness::pipeline_manifest("stats");
    h.seed_pipeline(manifest);
    json v1_template = manifest["spec"]["processor"];
    v1_template["config"]["key"] = "session_id";
    h.seed_version("stats", 1, v1_template);
    h.seed_version("stats", 2);
    h.seed_service("stats", 2, 1);
    h.client.sync();
  }

  void request_rollback(const std::string& value) {
    h.client.patch(api::kPipelines, ControllerHarness::kNs, "stats", kube::PatchType::Merge,
                   {{"metadata", {{"annotations", {{api::kAnnotationRollback, value}}}}}}, {});
    h.client.sync();
  }

  // The first write of `resource` after the Service was written fails.
  void fail_first_write_after_service_write(const kube::Resource& resource, Verb verb) {
    h.client.fail_once_when([plural = resource.plural, verb](const FakeCall& call, const std::vector<FakeCall>& history) {
      const bool service_written = std::any_of(history.begin(), history.end(), [](const FakeCall& c) {
        return c.resource == "services" && c.verb == Verb::Update;
      });
      if (!service_written || call.resource != plural || call.verb != verb) return std::exception_ptr();
      return std::make_exception_ptr(api_error(ApiErrorKind::ServerError, "injected: apiserver unavailable"));
    });
  }

  int rollbacks_reported() {
    const auto lines = h.metrics().lines();
    return static_cast<int>(std::count(lines.begin(), lines.end(), "rolled_back team/stats"));
  }

  ControllerHarness h;
  controllers::PipelineReconciler reconciler{h.context()};
};

TEST_F(PipelineRollbackTest, RollsBackToThePreviousVersionAndConsumesTheRequest) {
  request_rollback("true");
  reconciler.reconcile("team/stats");
  EXPECT_EQ(h.service_version("stats"), 1);
  EXPECT_EQ(h.annotation(kube::resources::kServices, "stats", api::kAnnotationPreviousVersion), "2");
  EXPECT_EQ(h.annotation(api::kPipelines, "stats", api::kAnnotationRollback), "");
  EXPECT_EQ(h.annotation(api::kPipelines, "stats", api::kAnnotationRollbackPending), "");
  EXPECT_EQ(h.events("RolledBack"), 1);
  EXPECT_EQ(rollbacks_reported(), 1);
  // The rolled-back template is held back, and the status says so.
  h.client.sync();
  reconciler.reconcile("team/stats");
  EXPECT_TRUE(h.client.stored_all(api::kReprocessings, ControllerHarness::kNs).empty());
  const auto ready = api::find_condition(h.pipeline("stats")["status"]["conditions"], "Ready");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->value("reason", ""), "RolledBack");
}

// The defect: the Service was flipped, then consuming the request failed;
// the retry read the request again and flipped serving back to v2.
TEST_F(PipelineRollbackTest, ARetryAfterTheServiceWriteDoesNotFlipBack) {
  request_rollback("true");
  fail_first_write_after_service_write(api::kPipelines, Verb::Patch);
  EXPECT_THROW(reconciler.reconcile("team/stats"), kube::ApiError);
  ASSERT_EQ(h.service_version("stats"), 1) << "the flip itself happened";

  for (int retry = 0; retry < 3; ++retry) {
    h.client.sync();
    reconciler.reconcile("team/stats");
  }
  EXPECT_EQ(h.service_version("stats"), 1) << "the retry undid the rollback";
  EXPECT_EQ(h.events("RolledBack"), 1);
  EXPECT_EQ(rollbacks_reported(), 1);
  EXPECT_EQ(h.annotation(api::kPipelines, "stats", api::kAnnotationRollback), "");
  EXPECT_EQ(h.annotation(api::kPipelines, "stats", api::kAnnotationRollbackPending), "");
}

// The same window with a cache that still shows the request.
TEST_F(PipelineRollbackTest, ARetryFromAStaleCacheAfterTheServiceWriteDoesNotFlipBack) {
  request_rollback("true");
  fail_first_write_after_service_write(api::kPipelines, Verb::Patch);
  EXPECT_THROW(reconciler.reconcile("team/stats"), kube::ApiError);
  reconciler.reconcile("team/stats");  // no sync: the cache still has the request
  h.client.sync();
  reconciler.reconcile("team/stats");
  EXPECT_EQ(h.service_version("stats"), 1);
  EXPECT_EQ(h.events("RolledBack"), 1);
}

// Dying before the Service write: the retry makes the flip, once.
TEST_F(PipelineRollbackTest, AFailedServiceWriteIsRetriedAndFlipsOnce) {
  request_rollback("true");
  h.client.fail_nth(Verb::Update, kube::resources::kServices, 1, ApiErrorKind::ServerError);
  EXPECT_THROW(reconciler.reconcile("team/stats"), kube::ApiError);
  EXPECT_EQ(h.service_version("stats"), 2);
  h.client.sync();
  reconciler.reconcile("team/stats");
  h.client.sync();
  reconciler.reconcile("team/stats");
  EXPECT_EQ(h.service_version("stats"), 1);
  EXPECT_EQ(h.events("RolledBack"), 1);
  EXPECT_EQ(rollbacks_reported(), 1);
}

// A rollback to a named version, its request consumed after the flip failed.
TEST_F(PipelineRollbackTest, ANamedTargetIsNotRefusedAsAlreadyServingOnTheRetry) {
  request_rollback("1");
  fail_first_write_after_service_write(api::kPipelines, Verb::Patch);
  EXPECT_THROW(reconciler.reconcile("team/stats"), kube::ApiError);
  h.client.sync();
  reconciler.reconcile("team/stats");
  EXPECT_EQ(h.service_version("stats"), 1);
  EXPECT_EQ(h.events("RolledBack"), 1);
  EXPECT_EQ(h.events("RollbackUnavailable"), 0) << "our own finished rollback is not a refused request";
}

// A second request after the first finished is a new rollback: it flips
// back to v2 (what "previous" now names).
TEST_F(PipelineRollbackTest, ASecondRequestAfterTheFirstFinishedRollsBackAgain) {
  request_rollback("true");
  reconciler.reconcile("team/stats");
  h.client.sync();
  request_rollback("true");
  reconciler.reconcile("team/stats");
  EXPECT_EQ(h.service_version("stats"), 2);
  EXPECT_EQ(h.events("RolledBack"), 2);
}

TEST_F(PipelineRollbackTest, ARequestThatCannotBeMetIsRefusedAndConsumed) {
  request_rollback("7");
  reconciler.reconcile("team/stats");
  EXPECT_EQ(h.service_version("stats"), 2);
  EXPECT_EQ(h.events("RollbackUnavailable"), 1);
  EXPECT_EQ(h.annotation(api::kPipelines, "stats", api::kAnnotationRollback), "");
}

}  // namespace
}  // namespace kappa::testing
