// Filters as the fold applies them (through the Aggregator, on the fields
// the event scanner found): comparisons, any/all/not, and SQL's
// three-valued truth, in the JSON form and in the SQL form alike.
#include "core/filter.h"

#include <gtest/gtest.h>

#include "core/aggregator.h"
#include "core/errors.h"

namespace kappa::processor {
namespace {

using nlohmann::json;

// Whether a view with this filter folds `event` (rather than filtering it).
bool selects(const json& filter, const std::string& event) {
  const auto view = ViewDefinition::parse(json{{"key", "k"}, {"filter", filter}, {"aggregates", {{"n", {{"op", "count"}}}}}}.dump());
  const Aggregator aggregator(view);
  KeyState state = initial_key_state(view);
  const auto outcome = aggregator.process(event, [&](const HashedText&) -> KeyState& { return state; });
  EXPECT_NE(outcome.kind, Outcome::Kind::Bad) << event;
  return outcome.kind == Outcome::Kind::Applied;
}

bool selects_sql(const std::string& where, const std::string& event) {
  const auto view =
      ViewDefinition::parse(json{{"sql", "SELECT COUNT(*) AS n FROM e WHERE " + where + " GROUP BY k"}}.dump());
  const Aggregator aggregator(view);
  KeyState state = initial_key_state(view);
  return aggregator.process(event, [&](const HashedText&) -> KeyState& { return state; }).kind ==
         Outcome::Kind::Applied;
}

TEST(Filter, ComparisonsOfNumbersAndStrings) {
  const json gt = {{"field", "x"}, {"gt", 10}};
  EXPECT_TRUE(selects(gt, R"({"k": "a", "x": 10.5})"));
  EXPECT_FALSE(selects(gt, R"({"k": "a", "x": 10})"));
  EXPECT_TRUE(selects({{"field", "x"}, {"ge", 10}}, R"({"k": "a", "x": 10.0})"));
  EXPECT_TRUE(selects({{"field", "x"}, {"lt", 9007199254740993}}, R"({"k": "a", "x": 9007199254740992})"))
      << "integers beyond 2^53 compare exactly";
  EXPECT_TRUE(selects({{"field", "x"}, {"le", -1}}, R"({"k": "a", "x": -18446744073709551})"));
  EXPECT_TRUE(selects({{"field", "s"}, {"lt", "b"}}, R"({"k": "a", "s": "abc"})"));
  EXPECT_FALSE(selects({{"field", "s"}, {"lt", "b"}}, R"({"k": "a", "s": "b"})"));
  EXPECT_TRUE(selects({{"field", "s"}, {"notEquals", "b"}}, R"({"k": "a", "s": "c"})"));
  EXPECT_TRUE(selects({{"field", "u.n"}, {"equals", 3}}, R"({"k": "a", "u": {"n": 3.0}})"));
}

TEST(Filter, AnAbsentOrNullFieldIsUnknownAndNotOfUnknownIsUnknown) {
  for (const char* event : {R"({"k": "a"})", R"({"k": "a", "x": null})"}) {
    EXPECT_FALSE(selects({{"field", "x"}, {"gt", 1}}, event));
    EXPECT_FALSE(selects({{"not", {{"field", "x"}, {"gt", 1}}}}, event)) << "NOT unknown is unknown";
    EXPECT_FALSE(selects({{"not", {{"field", "x"}, {"notEquals", 1}}}}, event));
    EXPECT_FALSE(selects({{"not", {{"field", "x"}, {"in", {1, 2}}}}}, event)) << "NULL NOT IN (...) is unknown";
    EXPECT_TRUE(selects({{"field", "x"}, {"exists", false}}, event)) << "IS NULL is never unknown";
    EXPECT_TRUE(selects({{"any", {{{"field", "x"}, {"gt", 1}}, {{"field", "k"}, {"equals", "a"}}}}}, event))
        << "unknown OR true is true";
    EXPECT_FALSE(selects({{"not", {{"all", {{{"field", "x"}, {"gt", 1}}, {{"field", "k"}, {"equals", "a"}}}}}}}, event))
        << "NOT (unknown AND true) is unknown";
    EXPECT_TRUE(selects({{"not", {{"all", {{{"field", "x"}, {"gt", 1}}, {{"field", "k"}, {"equals", "b"}}}}}}}, event))
        << "NOT (unknown AND false) is true";
  }
}

TEST(Filter, OrderAcrossTypesIsUnknownEqualityIsFalse) {
  EXPECT_FALSE(selects({{"field", "x"}, {"gt", 1}}, R"({"k": "a", "x": "5"})"));
  EXPECT_FALSE(selects({{"not", {{"field", "x"}, {"gt", 1}}}}, R"({"k": "a", "x": "5"})"));
  EXPECT_TRUE(selects({{"not", {{"field", "x"}, {"equals", 5}}}}, R"({"k": "a", "x": "5"})")) << R"("5" is not 5)";
  EXPECT_FALSE(selects({{"field", "b"}, {"lt", true}}, R"({"k": "a", "b": false})"));
}

TEST(Filter, TheSqlFormSaysWhatTheJsonFormSays) {
  const std::vector<std::pair<std::string, json>> pairs = {
      {"x > 10", {{"field", "x"}, {"gt", 10}}},
      {"NOT x > 10", {{"not", {{"field", "x"}, {"gt", 10}}}}},
      {"10 > x", {{"field", "x"}, {"lt", 10}}},
      {"x IS NULL OR x <> 3", {{"any", {{{"field", "x"}, {"exists", false}}, {{"field", "x"}, {"notEquals", 3}}}}}},
      {"t IN ('a', 'b') AND NOT (x <= 2)",
       {{"all", {{{"field", "t"}, {"in", {"a", "b"}}}, {{"not", {{"field", "x"}, {"le", 2}}}}}}}},
  };
  const std::vector<std::string> events = {R"({"k": 1})", R"({"k": 1, "x": 3})", R"({"k": 1, "x": 11})",
                                           R"({"k": 1, "x": null, "t": "a"})", R"({"k": 1, "x": 1, "t": "b"})",
                                           R"({"k": 1, "x": "3", "t": "c"})"};
  for (const auto& [sql, filter] : pairs) {
    for (const auto& event : events) EXPECT_EQ(selects_sql(sql, event), selects(filter, event)) << sql << " on " << event;
  }
}

TEST(Filter, BadFiltersAreRefusedWithTheirPath) {
  const auto refusal = [](const json& filter) -> std::string {
    try {
      ViewDefinition::parse(json{{"key", "k"}, {"filter", filter}, {"aggregates", {{"n", {{"op", "count"}}}}}}.dump());
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "(accepted)";
  };
  EXPECT_NE(refusal({{"field", "x"}, {"gt", nullptr}}).find("KAPPA_CONFIG.filter.gt: must be a string"), std::string::npos);
  EXPECT_NE(refusal({{"field", "x"}, {"equals", {1}}}).find("KAPPA_CONFIG.filter.equals"), std::string::npos);
  EXPECT_NE(refusal({{"any", json::array()}}).find("KAPPA_CONFIG.filter.any: an empty list"), std::string::npos);
  EXPECT_NE(refusal({{"not", {{"field", "x"}}}}).find("KAPPA_CONFIG.filter.not: needs exactly one"), std::string::npos);
  EXPECT_NE(refusal({{"all", {{{"field", "x"}, {"in", json::array()}}}}}).find("KAPPA_CONFIG.filter.all[0].in"),
            std::string::npos);
  json deep = {{"field", "x"}, {"exists", true}};
  for (int i = 0; i < 100; ++i) deep = {{"not", deep}};
  EXPECT_NE(refusal(deep).find("nested more than 64 levels deep"), std::string::npos);
}

}  // namespace
}  // namespace kappa::processor
