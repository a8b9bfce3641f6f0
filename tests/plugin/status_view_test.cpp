#include "plugin/status_view.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "fixtures.h"

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
