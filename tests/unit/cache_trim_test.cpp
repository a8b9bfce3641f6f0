// The pod and Deployment caches keep only what the controllers read: a
// trimmed object answers every question the controllers ask exactly as the
// whole one does, and the bulk (pod spec, pod template) is gone.
#include "controllers/cache_trim.h"

#include <gtest/gtest.h>

#include "controllers/version_state.h"
#include "support/controller_harness.h"

namespace kappa::controllers {
namespace {

using nlohmann::json;
using testing::ControllerHarness;

TEST(CacheTrim, ATrimmedDeploymentAnswersWhatTheControllersAskAndLosesItsPodTemplate) {
  ControllerHarness h;
  h.seed_pipeline(ControllerHarness::pipeline_manifest("stats"));
  json whole = h.seed_version("stats", 2);
  whole["metadata"]["annotations"][api::kAnnotationStartOffsets] = R"({"0":5,"1":6,"2":7})";
  whole["status"]["conditions"] = json::array(
      {{{"type", "ReplicaFailure"}, {"status", "True"}, {"reason", "FailedCreate"}, {"message", "quota exceeded"}}});
  json trimmed = whole;
  trim_cached_deployment(trimmed);

  EXPECT_FALSE(trimmed["spec"].contains("template"));
  EXPECT_LT(trimmed.dump().size(), whole.dump().size() / 2) << "the template is most of it";
  EXPECT_EQ(all_replicas_ready(trimmed), all_replicas_ready(whole));
  EXPECT_EQ(ready_replicas(trimmed), ready_replicas(whole));
  EXPECT_EQ(start_offsets_of(trimmed), start_offsets_of(whole));
  const auto failure = replica_failure(trimmed);
  ASSERT_TRUE(failure);
  EXPECT_EQ(failure->message, replica_failure(whole)->message);
  EXPECT_EQ(api::version_label(trimmed), api::version_label(whole));
  EXPECT_EQ(trimmed["metadata"]["ownerReferences"], whole["metadata"]["ownerReferences"]);
}

TEST(CacheTrim, ATrimmedPodStillShowsItsTroubleAndLosesItsSpec) {
  json whole = {{"metadata", {{"name", "stats-v2-abc"}, {"labels", {{"kappa.dev/version", "2"}}}}},
                {"spec", {{"containers", json::array({{{"name", "processor"}, {"image", "proc:1"}}})}}},
                {"status",
                 {{"containerStatuses",
                   json::array({{{"restartCount", 4},
                                 {"state", {{"waiting", {{"reason", "CrashLoopBackOff"}, {"message", "back-off"}}}}}}})}}}};
  json trimmed = whole;
  trim_cached_pod(trimmed);
  EXPECT_FALSE(trimmed.contains("spec"));
  const auto trouble = pod_trouble({trimmed});
  ASSERT_TRUE(trouble);
  EXPECT_EQ(trouble->reason, pod_trouble({whole})->reason);
  EXPECT_EQ(trouble->message, pod_trouble({whole})->message);
}

TEST(CacheTrim, ObjectsWithoutTheTrimmedPartsAreLeftAlone) {
  json odd = json::array({1, 2});
  trim_cached_pod(odd);
  trim_cached_deployment(odd);
  EXPECT_EQ(odd, json::array({1, 2}));
  json no_spec = {{"metadata", {{"name", "d"}}}};
  trim_cached_deployment(no_spec);
  EXPECT_EQ(no_spec, (json{{"metadata", {{"name", "d"}}}}));
}

}  // namespace
}  // namespace kappa::controllers
