// A Pipeline over an input that is not keyed by the view key, on the real
// stack: with spec.input.keying Any its versions repartition the input and
// serve exact rows, a new version is caught up only once both stages are,
// and a retired version leaves no repartition topic behind; with the
// default (ViewKey) the processor refuses such an input and the Pipeline
// says why, instead of serving a wrong table.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "controllers/operator_fixture.h"

namespace kappa::testing {
namespace {

class RepartitionPipelineTest : public OperatorTest {};

TEST_F(RepartitionPipelineTest, AnyKeyingServesExactRowsAndARetiredVersionLeavesNoRepartitionTopic) {
  produce_events(1500, 40, 1, Keying::Null);
  produce_events(1500, 40, 2, Keying::Other);
  struct Row {
    int64_t events = 0;
    __float128 revenue = 0;  // exact for these cents
    std::set<std::string> sessions;
  };
  std::map<std::string, Row> expected;
  for (const int seed : {1, 2}) {
    for (int i = 0; i < 1500; ++i) {
      auto& row = expected["u-" + std::to_string((i * 7 + seed) % 40)];
      ++row.events;
      row.revenue += revenue_of(i);
      row.sessions.insert("s-" + std::to_string(i % 13));
    }
  }
  json p = pipeline_manifest("stats");
  p["spec"]["input"]["keying"] = "Any";
  client_->create(api::kPipelines, ns_, p);
  await_pipeline_condition("stats", "Ready", "True");
  EXPECT_TRUE(topic_exists("kappa." + ns_ + ".stats.v1-kappa-repartition"));
  const auto rows_match = [&](int64_t version) {
    for (const auto& [user, row] : expected) {
      const auto served = query_version("stats", version, user);
      if (!served || served->value("total_events", int64_t{-1}) != row.events ||
          served->value("total_revenue", -1.0) != static_cast<double>(row.revenue) ||
          served->value("total_sessions", int64_t{-1}) != static_cast<int64_t>(row.sessions.size())) {
        ADD_FAILURE() << user << ": " << (served ? served->dump() : last_answer_);
        return false;
      }
    }
    return true;
  };
  EXPECT_TRUE(rows_match(1));

  // v2 replays through its own repartition topic; v1 goes, its topic too.
  change_template("stats", "max_revenue");
  await_service_version("stats", 2, 180s);
  EXPECT_TRUE(rows_match(2));
  expect_version_gone("stats", 1);
}

TEST_F(RepartitionPipelineTest, TheDefaultKeyingRefusesSuchAnInputAndThePipelineSaysWhy) {
  produce_events(500, 20, 1, Keying::Other);
  client_->create(api::kPipelines, ns_, pipeline_manifest("stats"));
  const json stalled = await_pipeline_condition("stats", "Stalled", "True", 120s, "CandidateCrashLooping");
  std::string message;
  for (const auto& c : stalled["status"]["conditions"]) {
    if (c.value("type", "") == "Stalled") message = c.value("message", "");
  }
  EXPECT_NE(message.find("exit code 2"), std::string::npos) << message;
  EXPECT_NE(message.find("set the Pipeline's spec.input.keying to Any"), std::string::npos) << message;
}

}  // namespace
}  // namespace kappa::testing
