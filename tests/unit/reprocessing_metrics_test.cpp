// What a Reprocessing's status change reports: aborts and catch-ups once,
// when they are first on record, and the end of its per-version series.
#include "controllers/reprocessing_metrics.h"

#include <algorithm>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/recording_controller_metrics.h"

namespace {

using kappa::controllers::report_reprocessing_change;
using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

json reprocessing(const json& status) {
  return {{"metadata", {{"namespace", "ns"}, {"name", "stats-abc"}}},
          {"spec", {{"pipelineRef", {{"name", "stats"}}}}},
          {"status", status}};
}

const json kDeployment = {{"metadata", {{"creationTimestamp", "2024-05-01T10:00:00Z"}}}};

TEST(ReprocessingMetrics, CatchUpIsObservedOnceFromTheDeploymentsCreation) {
  kappa::testing::RecordingControllerMetrics m;
  kappa::controllers::TransitionLedger ledger;
  const json catching_up = {{"phase", "CatchingUp"}, {"startedAt", "2024-05-01T09:59:50Z"}};
  json caught_up = catching_up;
  caught_up["caughtUpAt"] = "2024-05-01T10:02:30Z";
  report_reprocessing_change(m, ledger, "ns/stats-abc", reprocessing(catching_up), caught_up, kDeployment);
  report_reprocessing_change(m, ledger, "ns/stats-abc", reprocessing(caught_up), caught_up, kDeployment);
  EXPECT_THAT(m.lines(), ElementsAre("caught_up ns/stats 150s"));
}

TEST(ReprocessingMetrics, WithoutItsDeploymentTheCatchUpCountsFromStartedAt) {
  kappa::testing::RecordingControllerMetrics m;
  kappa::controllers::TransitionLedger ledger;
  const json before = {{"phase", "CatchingUp"}, {"startedAt", "2024-05-01T10:00:00Z"}};
  json after = before;
  after["caughtUpAt"] = "2024-05-01T10:00:42Z";
  report_reprocessing_change(m, ledger, "ns/stats-abc", reprocessing(before), after, std::nullopt);
  EXPECT_THAT(m.lines(), ElementsAre("caught_up ns/stats 42s"));
}

TEST(ReprocessingMetrics, AnAbortIsCountedOnceAndEndsTheVersionsSeries) {
  kappa::testing::RecordingControllerMetrics m;
  kappa::controllers::TransitionLedger ledger;
  const json aborted = {{"phase", "Aborted"}};
  report_reprocessing_change(m, ledger, "ns/stats-abc", reprocessing({{"phase", "CatchingUp"}}), aborted, std::nullopt);
  report_reprocessing_change(m, ledger, "ns/stats-abc", reprocessing(aborted), aborted, std::nullopt);
  EXPECT_THAT(m.lines(), ElementsAre("aborted ns/stats", "gone ns/stats-abc", "gone ns/stats-abc"));
}

TEST(ReprocessingMetrics, SuccessFailureAndDeletionEndTheSeriesAndCatchingUpDoesNot) {
  kappa::testing::RecordingControllerMetrics m;
  kappa::controllers::TransitionLedger ledger;
  const json catching_up = {{"phase", "CatchingUp"}};
  report_reprocessing_change(m, ledger, "ns/a", reprocessing(catching_up), catching_up, std::nullopt);
  report_reprocessing_change(m, ledger, "ns/a", reprocessing({{"phase", "Promotable"}}), {{"phase", "Promotable"}},
                             std::nullopt);
  EXPECT_THAT(m.lines(), IsEmpty());
  report_reprocessing_change(m, ledger, "ns/b", reprocessing(catching_up), {{"phase", "Succeeded"}}, std::nullopt);
  report_reprocessing_change(m, ledger, "ns/c", reprocessing(catching_up), {{"phase", "Failed"}}, std::nullopt);
  json deleting = reprocessing(catching_up);
  deleting["metadata"]["deletionTimestamp"] = "2024-05-01T10:00:00Z";
  report_reprocessing_change(m, ledger, "ns/d", deleting, catching_up, std::nullopt);
  EXPECT_THAT(m.lines(), ElementsAre("gone ns/b", "gone ns/c", "gone ns/d"));
}

TEST(ReprocessingMetrics, AStaleCacheShowingTheOldPhaseAgainDoesNotCountTwice) {
  kappa::testing::RecordingControllerMetrics m;
  kappa::controllers::TransitionLedger ledger;
  const json catching_up = {{"phase", "CatchingUp"}, {"startedAt", "2024-05-01T10:00:00Z"}};
  json aborted = catching_up;
  aborted["phase"] = "Aborted";
  aborted["caughtUpAt"] = "2024-05-01T10:00:42Z";
  // The second reconcile still sees the pre-abort object in its cache.
  report_reprocessing_change(m, ledger, "ns/stats-abc", reprocessing(catching_up), aborted, std::nullopt);
  report_reprocessing_change(m, ledger, "ns/stats-abc", reprocessing(catching_up), aborted, std::nullopt);
  const auto lines = m.lines();
  EXPECT_EQ(std::count(lines.begin(), lines.end(), "aborted ns/stats"), 1);
  EXPECT_EQ(std::count_if(lines.begin(), lines.end(),
                          [](const std::string& l) { return l.rfind("caught_up", 0) == 0; }),
            1);
}

}  // namespace
