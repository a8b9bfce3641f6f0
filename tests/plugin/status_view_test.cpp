#include "plugin/status_view.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "fixtures.h"
#include "plugin/generation_view.h"

namespace kappa::plugin {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(StatusFrame, CandidateCatchingUpShowsItsProgressOnItsRow) {
  const std::string frame = render_status(fixtures::pipeline(), {fixtures::candidate()}, fixtures::now());
  EXPECT_EQ(frame,
            "Pipeline   user-stats (namespace demo)\n"
            "Service    user-stats-svc\n"
            "Active     v3\n"
            "Candidate  v4 (Reprocessing user-stats-4, phase CatchingUp)\n"
            "\n"
            "  CONDITION    STATUS  REASON      MESSAGE\n"
            "  Ready        True    Serving     v3 serves\n"
            "  Reconciling  True    CatchingUp  v4 is catching up\n"
            "  Stalled      False   AsExpected\n"
            "\n"
            "  VERSION  STATE       TEMPLATE    SINCE  PROGRESS\n"
            "  v4       CatchingUp  44dd55ee66  5m     lag 12,345   [#######-------]  47%  1,234 rec/s  ETA 1m20s\n"
            "  v3       Active      33cc44dd55  1h     serving\n"
            "  v2       Standby     22bb33cc44  1h     warm: rollback target\n"
            "  v1       Retired     11aa22bb33  5h\n");
}

TEST(StatusFrame, NoCandidate) {
  json p = fixtures::pipeline();
  p["status"].erase("candidateVersion");
  p["status"]["versions"].erase(3);
  const std::string frame = render_status(p, {}, fixtures::now());
  EXPECT_THAT(frame, HasSubstr("Candidate  -\n"));
  EXPECT_THAT(frame, Not(HasSubstr("lag")));
  EXPECT_THAT(frame, Not(HasSubstr("\n  v4")));  // no row for it
  EXPECT_THAT(frame, HasSubstr("  v3       Active   33cc44dd55  1h     serving\n"));
}

TEST(StatusFrame, StandbyAndRetiredEntries) {
  const std::string frame = render_status(fixtures::pipeline(), {}, fixtures::now());
  EXPECT_THAT(frame, HasSubstr("v2       Standby     22bb33cc44  1h     warm: rollback target\n"));
  EXPECT_THAT(frame, HasSubstr("v1       Retired     11aa22bb33  5h\n"));
}

TEST(StatusFrame, CandidateWithoutReprocessingShowsTheVersionsLag) {
  const std::string frame = render_status(fixtures::pipeline(), {}, fixtures::now());
  EXPECT_THAT(frame, HasSubstr("Candidate  v4\n"));
  EXPECT_THAT(frame, HasSubstr("v4       CatchingUp  44dd55ee66  5m     lag 12,345\n"));
}

TEST(StatusFrame, CandidateNotListedYetGetsARowFromItsReprocessing) {
  json p = fixtures::pipeline();
  p["status"]["versions"].erase(3);
  json r = fixtures::candidate();
  r["status"] = {{"version", 4}, {"phase", "Provisioning"}, {"templateHash", "44dd55ee66"},
                 {"startedAt", "2026-11-24T16:59:00Z"}};
  const std::string frame = render_status(p, {r}, fixtures::now());
  EXPECT_THAT(frame, HasSubstr("v4       Provisioning  44dd55ee66  1m     Provisioning (lag not measured yet)\n"));
}

TEST(StatusFrame, PromotableManualCandidateSaysWhatItWaitsFor) {
  json p = fixtures::pipeline();
  p["spec"]["rollout"]["promotion"] = "Manual";
  p["status"]["versions"][3]["state"] = "Promotable";
  json r = fixtures::candidate();
  r["status"].update({{"phase", "Promotable"}, {"lag", 0}, {"progressPercent", 100}, {"etaSeconds", 0}});
  const std::string frame = render_status(p, {r}, fixtures::now());
  EXPECT_THAT(frame, HasSubstr("lag 0   [##############] 100%  1,234 rec/s  ETA 0s  (waiting for: kubectl kappa promote)"));
}

TEST(StatusFrame, StalledCandidateSaysWhy) {
  json r = fixtures::candidate();
  r["status"]["conditions"][0].update(
      {{"status", "True"}, {"reason", "NoProgress"}, {"message", "lag has not fallen for 3m"}});
  const std::string frame = render_status(fixtures::pipeline(), {r}, fixtures::now());
  EXPECT_THAT(frame, HasSubstr("ETA 1m20s  STALLED NoProgress: lag has not fallen for 3m\n"));
}

TEST(StatusFrame, FreshPipelineWithoutStatus) {
  json p = fixtures::pipeline();
  p.erase("status");
  p["spec"]["paused"] = true;
  const std::string frame = render_status(p, {}, fixtures::now());
  EXPECT_THAT(frame, HasSubstr("Pipeline   user-stats (namespace demo)  PAUSED"));
  EXPECT_THAT(frame, HasSubstr("Active     -\n"));
  EXPECT_THAT(frame, HasSubstr("  Ready        Unknown  -       not reported yet\n"));
  EXPECT_THAT(frame, HasSubstr("no versions yet"));
}

TEST(StatusFrame, LambdaShowsArchitectureServingGenerationBatchAgeAndBatchRuns) {
  const std::string frame =
      render_status(fixtures::lambda_pipeline(), {fixtures::batching_candidate()}, fixtures::now());
  EXPECT_EQ(frame,
            "Pipeline   user-stats (namespace demo)\n"
            "Arch       Lambda (a new generation every 1h)\n"
            "Service    user-stats-svc\n"
            "Active     v3\n"
            "Candidate  v4 (Reprocessing user-stats-g4, phase Batching)\n"
            "Serving    generation v3, snapshot 1,234,567 records (0:400,000 1:400,000 2:434,567) taken 1h ago\n"
            "Batch age  30m (v3's batch run completed 2026-11-24T16:30:00Z)\n"
            "\n"
            "  CONDITION    STATUS  REASON        MESSAGE\n"
            "  Ready        False   BatchRunning  generation 4: batch run (Job user-stats-v4-batch) folding 1250000 "
            "records up to its snapshot; v3 keeps serving\n"
            "  Reconciling  True    BatchRunning  generation 4: batch run (Job user-stats-v4-batch) folding 1250000 "
            "records up to its snapshot; v3 keeps serving\n"
            "  Stalled      False   AsExpected\n"
            "\n"
            "  VERSION  STATE     TEMPLATE    SINCE  PROGRESS\n"
            "  v4       Batching  44dd55ee66  3m     batch run: 1,250,000 records up to the snapshot, 2m so far "
            "(Job user-stats-v4-batch)\n"
            "  v3       Active    33cc44dd55  1h     serving\n"
            "  v2       Standby   22bb33cc44  1h     warm: rollback target\n"
            "  v1       Retired   11aa22bb33  5h\n"
            "\n"
            "  GENERATION  OUTCOME    STARTED  DURATION   RECORDS\n"
            "  v4          Running    2m ago   2m so far  1,250,000\n"
            "  v3          Succeeded  1h ago   30m        1,234,567\n"
            "  v2          Failed     3h ago   10m        -\n");
}

TEST(StatusFrame, LambdaSpeedLayerLagIsShownOnTheCandidateAndTheServingRow) {
  json p = fixtures::lambda_pipeline();
  p["status"]["versions"].push_back({{"version", 4}, {"templateHash", "44dd55ee66"}, {"state", "CatchingUp"},
                                     {"lag", 12345}, {"since", "2026-11-24T16:55:00Z"}});
  p["status"]["versions"][2]["lag"] = 12;  // v3, the Active entry
  json r = fixtures::candidate();  // v4 catching up from its snapshot
  const std::string frame = render_status(p, {r}, fixtures::now());
  EXPECT_THAT(frame,
              HasSubstr("  v4       CatchingUp  44dd55ee66  5m     speed layer lag 12,345   [#######-------]  47%"));
  EXPECT_THAT(frame, HasSubstr("  v3       Active      33cc44dd55  1h     serving (speed layer lag 12)\n"));
}

TEST(StatusFrame, LambdaBeforeAnyGenerationServes) {
  json p = fixtures::lambda_pipeline();
  p["spec"]["batch"] = {{"schedule", "0 3 * * *"}};
  for (const char* field : {"servingGeneration", "batchRuns", "activeVersion"}) p["status"].erase(field);
  const std::string frame = render_status(p, {}, fixtures::now());
  EXPECT_THAT(frame, HasSubstr("Arch       Lambda (a new generation on schedule \"0 3 * * *\" (UTC))\n"));
  EXPECT_THAT(frame, Not(HasSubstr("Batch age")));
  EXPECT_THAT(frame, HasSubstr("Serving    no generation yet\n\n"));
  EXPECT_THAT(frame, HasSubstr("\n  no batch runs yet\n"));

  p["spec"].erase("batch");
  EXPECT_THAT(render_status(p, {}, fixtures::now()),
              HasSubstr("Arch       Lambda (new generations on a template change or kubectl kappa batch)\n"));
}

TEST(StatusFrame, LambdaServingGenerationWithoutACompletedBatchHasNoAge) {
  json p = fixtures::lambda_pipeline();
  p["status"]["servingGeneration"].erase("batchCompletedAt");
  p["status"]["servingGeneration"].erase("snapshotAt");
  EXPECT_THAT(render_status(p, {}, fixtures::now()),
              HasSubstr("Serving    generation v3, snapshot 1,234,567 records (0:400,000 1:400,000 2:434,567)\n"
                        "Batch age  -\n"));
}

TEST(StatusFrame, AKappaPipelineShowsNoneOfLambdasLines) {
  json p = fixtures::pipeline();
  const std::string plain = render_status(p, {fixtures::candidate()}, fixtures::now());
  p["spec"]["architecture"] = "Kappa";
  p["status"]["servingGeneration"] = fixtures::lambda_pipeline()["status"]["servingGeneration"];
  p["status"]["batchRuns"] = fixtures::lambda_pipeline()["status"]["batchRuns"];
  EXPECT_EQ(render_status(p, {fixtures::candidate()}, fixtures::now()), plain);
}

TEST(SnapshotSummary, ListsFewPartitionsInOrderAndSummarisesMany) {
  EXPECT_EQ(snapshot_summary({{"0", 100}, {"1", 100}, {"2", 100}}), "300 records (0:100 1:100 2:100)");
  EXPECT_EQ(snapshot_summary({{"10", 5}, {"2", 1000}, {"x", 7}, {"3", "bad"}}), "1,005 records (2:1,000 10:5)")
      << "numeric order; what is not a partition's offset is left out";
  json many = json::object();
  for (int p = 0; p < 12; ++p) many[std::to_string(p)] = 900 + 20 * p;
  EXPECT_EQ(snapshot_summary(many), "12,120 records (12 partitions, 900..1,120 each)");
  EXPECT_EQ(snapshot_summary(json::object()), "0 records");
}

TEST(ProgressLine, EdgesOfTheBar) {
  EXPECT_EQ(progress_line({{"lag", 23300}, {"progressPercent", 0}}), "lag 23,300   [--------------]   0%");
  EXPECT_EQ(progress_line({{"lag", 0}, {"progressPercent", 100}, {"recordsPerSecond", 0}, {"etaSeconds", 0}}),
            "lag 0   [##############] 100%  0 rec/s  ETA 0s");
  EXPECT_EQ(progress_line({{"lag", 5}, {"progressPercent", 250}}), "lag 5   [##############] 100%");
}

TEST(ProgressBar, RoundsToTheNearestCellAndClamps) {
  EXPECT_EQ(progress_bar(0), "[--------------]");
  EXPECT_EQ(progress_bar(1), "[--------------]");
  EXPECT_EQ(progress_bar(47), "[#######-------]");
  EXPECT_EQ(progress_bar(99), "[##############]");
  EXPECT_EQ(progress_bar(100), "[##############]");
  EXPECT_EQ(progress_bar(-3), "[--------------]");
  EXPECT_EQ(progress_bar(140), "[##############]");
  EXPECT_EQ(progress_bar(50, 4), "[##--]");
}

TEST(GroupDigits, ThousandsSeparators) {
  EXPECT_EQ(group_digits(0), "0");
  EXPECT_EQ(group_digits(999), "999");
  EXPECT_EQ(group_digits(1000), "1,000");
  EXPECT_EQ(group_digits(1234567), "1,234,567");
  EXPECT_EQ(group_digits(-12345), "-12,345");
  EXPECT_EQ(group_digits(INT64_MIN), "-9,223,372,036,854,775,808");
}

}  // namespace
}  // namespace kappa::plugin
