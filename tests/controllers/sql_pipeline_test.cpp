// A Pipeline whose view is SQL, on the real stack: the example manifest
// (examples/user-stats-sql.yaml, the reference text's statement as
// printed) serves what the statement says; a template change to a
// statement outside the subset stalls the candidate with the processor's
// own words (line, column, what is supported) while v1 keeps serving.
#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <memory>
#include <set>

#include "controllers/operator_fixture.h"

namespace kappa::testing {
namespace {

// A manifest file as JSON, converted by kubectl (no YAML parser of ours).
json manifest_file(const std::string& path) {
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(
      popen(("kubectl create --dry-run=client -o json -f " + path).c_str(), "r"), pclose);
  std::string text;
  char buffer[4096];
  while (pipe && std::fgets(buffer, sizeof buffer, pipe.get())) text += buffer;
  return json::parse(text, nullptr, false);
}

class SqlPipelineTest : public OperatorTest {};

TEST_F(SqlPipelineTest, TheExampleServesWhatItsStatementSaysAndABadStatementStallsWithItsPosition) {
  json p = manifest_file(std::string(KAPPA_SOURCE_DIR) + "/examples/user-stats-sql.yaml");
  ASSERT_TRUE(p.is_object()) << "kubectl could not read the example";
  ASSERT_TRUE(p["spec"]["processor"]["config"].contains("sql"));
  const json fast = pipeline_manifest("stats");
  p["metadata"] = fast["metadata"];
  for (const char* part : {"kafka", "input", "serving", "rollout"}) p["spec"][part] = fast["spec"][part];
  p["spec"]["processor"]["replicas"] = 1;

  produce_events(2000, 40);
  struct Row {
    int64_t events = 0;
    __float128 revenue = 0;  // exact for these cents; the processor's sum is the exact sum rounded once
    std::set<std::string> sessions;
  };
  std::map<std::string, Row> expected;
  for (int i = 0; i < 2000; ++i) {  // what produce_events(2000, 40) wrote, folded as the statement says
    auto& row = expected["u-" + std::to_string((i * 7 + 1) % 40)];
    ++row.events;
    row.revenue += revenue_of(i);
    row.sessions.insert("s-" + std::to_string(i % 13));
  }
  client_->create(api::kPipelines, ns_, p);
  await_pipeline_condition("stats", "Ready", "True");
  for (const auto& [user, row] : expected) {
    const json want = {{"total_events", row.events},
                       {"total_revenue", static_cast<double>(row.revenue)},
                       {"total_sessions", row.sessions.size()}};
    EXPECT_EQ(query_version("stats", 1, user), want) << user << " " << last_answer_;
  }

  patch_spec(api::kPipelines, "stats",
             {{"processor", {{"config", {{"sql", "SELECT user_id, COUNT(*) AS n\nFROM events JOIN users USING "
                                                 "(user_id)\nGROUP BY user_id"}}}}}});
  const json stalled = await_pipeline_condition("stats", "Stalled", "True", 120s, "CandidateCrashLooping");
  std::string message;
  for (const auto& c : stalled["status"]["conditions"]) {
    if (c.value("type", "") == "Stalled") message = c.value("message", "");
  }
  EXPECT_NE(message.find("exit code 2: kappa-processor: configuration error: KAPPA_CONFIG.sql: line 2, column 13: "
                         "JOIN is not supported; supported: "),
            std::string::npos)
      << message;
  EXPECT_EQ(condition(stalled, "Serving"), "True");
  EXPECT_EQ(service_version("stats"), 1);
}

}  // namespace
}  // namespace kappa::testing
