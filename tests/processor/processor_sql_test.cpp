// kappa-processor running SQL view definitions against the local stack's
// real broker: the reference text's statement, character for character as
// printed there, on a generated log (bad records included) gives exactly
// the table an independent recomputation gives, and so does the same view
// written in JSON.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <map>
#include <set>
#include <string>

#include "support/event_log.h"
#include "support/http_get.h"
#include "support/kafka_helpers.h"
#include "support/processor_run.h"
#include "support/reference_statement.h"
#include "support/stack_env.h"
#include "support/subprocess.h"

namespace {

using namespace std::chrono_literals;
using namespace kappa::testing::processor;
using nlohmann::json;

constexpr int kInputPartitions = 4;
constexpr int kOutputPartitions = 3;

// The statement's table over `records`, with SQL's rules and the
// processor's bad records, computed here without any of its code: a record
// that is not a JSON object, has no valid key, or a non-number revenue is
// skipped whole; COUNT(*) counts the rest, SUM and COUNT(DISTINCT) skip an
// absent or null column.
std::map<std::string, json> recompute(const std::vector<Record>& records) {
  struct Row {
    std::int64_t events = 0;
    __float128 revenue = 0;  // exact for cents: rounded once, below
    bool any_revenue = false;
    std::set<std::string> sessions;
  };
  std::map<std::string, Row> rows;
  for (const auto& record : records) {
    const json event = json::parse(record.value, nullptr, false);
    if (!event.is_object()) continue;
    const auto key = event.find("user_id");
    if (key == event.end() || !((key->is_string() && !key->get<std::string>().empty()) || key->is_number_integer())) {
      continue;
    }
    const auto revenue = event.find("revenue");
    const bool has_revenue = revenue != event.end() && !revenue->is_null();
    if (has_revenue && !revenue->is_number()) continue;
    auto& row = rows[key->is_string() ? key->get<std::string>() : key->dump()];
    ++row.events;
    if (has_revenue) {
      row.revenue += revenue->get<double>();
      row.any_revenue = true;
    }
    if (const auto session = event.find("session_id"); session != event.end() && !session->is_null()) {
      row.sessions.insert(session->dump());
    }
  }
  std::map<std::string, json> out;
  for (const auto& [key, row] : rows) {
    out[key] = {{"total_events", row.events},
                {"total_revenue", row.any_revenue ? json(static_cast<double>(row.revenue)) : json(0)},
                {"total_sessions", row.sessions.size()}};
  }
  return out;
}

class ProcessorSql : public ::testing::Test {
 protected:
  std::map<std::string, json> bounded_table(const std::string& input, const std::string& view) {
    ProcessorRun run;
    run.input = input;
    run.output = unique("sql-stats");
    run.group = "kappa.test." + run.output;
    run.view = view;
    run.port = free_port();
    EXPECT_EQ(create_topic(bootstrap(), run.output, kOutputPartitions, true), "");
    auto processor = run.start({"--bounded"});
    const auto code = processor->wait_exit(120s);
    EXPECT_EQ(code, 0) << processor->log();
    TopicReader table(bootstrap(), run.output, kOutputPartitions);
    table.poll(2s);
    return parse_rows(table.latest());
  }
  static std::string bootstrap() { return kappa::testing::stack_env().kafka_bootstrap; }
};

TEST_F(ProcessorSql, TheReferenceStatementAsPrintedGivesTheRecomputedTableAndSoDoesItsJsonForm) {
  KAPPA_NEEDS_STACK();
  const auto log = generate_event_log(20000, 300, 150, 5);
  const std::string input = unique("sql-events");
  ASSERT_EQ(create_topic(bootstrap(), input, kInputPartitions), "");
  produce_all(bootstrap(), input, log.records);
  const auto expected = recompute(log.records);
  ASSERT_EQ(expected.size(), 300u);

  const auto from_sql = bounded_table(input, json{{"sql", kReferenceStatement}}.dump());
  EXPECT_EQ(from_sql, expected) << diff(from_sql, expected);

  const json as_json = {
      {"key", "user_id"},
      {"aggregates",
       {{"total_events", {{"op", "count"}}},
        {"total_revenue", {{"op", "sum"}, {"field", "revenue"}, {"optional", true}}},
        {"total_sessions", {{"op", "count_distinct"}, {"field", "session_id"}, {"optional", true}}}}}};
  EXPECT_EQ(bounded_table(input, as_json.dump()), expected);
}

TEST(ProcessorSqlStartup, AStatementOutsideTheSubsetExitsWithCode2AndSaysWhere) {
  ProcessorRun run;
  run.input = "in";
  run.output = "out";
  run.group = "g";
  run.port = free_port();
  run.view = json{{"sql", "SELECT user_id, COUNT(*) AS n\nFROM events JOIN users USING (user_id)\nGROUP BY user_id"}}.dump();
  run.extra_env["KAFKA_BOOTSTRAP_SERVERS"] = "127.0.0.1:9";  // the view is refused before any connection
  Subprocess processor(KAPPA_PROCESSOR_BINARY, {}, run.env(), log_dir() + "/bad-sql.log");
  EXPECT_EQ(processor.wait_exit(10s), 2);
  EXPECT_NE(processor.log().find("KAPPA_CONFIG.sql: line 2, column 13: JOIN is not supported; supported: "),
            std::string::npos)
      << processor.log();
}

}  // namespace
