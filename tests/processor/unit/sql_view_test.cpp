// SQL view definitions: what each accepted statement compiles to (the JSON
// view definition, which then runs as any other), and where and why each
// refused statement is refused.
#include "core/sql_view.h"

#include <gtest/gtest.h>

#include <string>

#include "core/errors.h"
#include "core/view_definition.h"
#include "support/reference_statement.h"

namespace kappa::processor {
namespace {

using nlohmann::json;
using kappa::testing::processor::kReferenceStatement;

std::string refusal(const std::string& statement) {
  try {
    sql::compile_view(statement);
  } catch (const sql::SqlError& e) {
    return e.what();
  }
  return "(compiled)";
}

TEST(SqlView, TheReferenceStatementCompilesCharacterForCharacter) {
  const json expected = {
      {"name", "user_stats"},
      {"key", "user_id"},
      {"aggregates",
       {{"total_events", {{"op", "count"}}},
        {"total_revenue", {{"op", "sum"}, {"field", "revenue"}, {"optional", true}}},
        {"total_sessions", {{"op", "count_distinct"}, {"field", "session_id"}, {"optional", true}}}}}};
  EXPECT_EQ(sql::compile_view(kReferenceStatement), expected);
}

TEST(SqlView, AsKappaConfigItIsTheSameViewAsTheJsonDefinition) {
  const auto from_sql = ViewDefinition::parse(json{{"sql", kReferenceStatement}}.dump());
  const auto from_json = ViewDefinition::parse(sql::compile_view(kReferenceStatement).dump());
  EXPECT_EQ(from_sql.fingerprint, from_json.fingerprint) << "the same state, whichever form wrote it";
  EXPECT_EQ(from_sql.name, "user_stats");
  EXPECT_EQ(from_sql.key.text(), "user_id");
  ASSERT_EQ(from_sql.aggregates.size(), 3u);
  EXPECT_EQ(from_sql.aggregates[1].op, AggregateOp::Sum);
}

TEST(SqlView, EveryAggregateFilterAndPredicate) {
  const json view = sql::compile_view(R"(
    select "user"."id" AS uid,
           count(*) AS events,
           COUNT(page) AS with_page,
           Min(price) AS cheapest, MAX(price) AS dearest,
           LAST_VALUE(page) AS last_page,
           COUNT(*) FILTER (WHERE type = 'purchase') AS purchases
    FROM anything -- the input is the topic
    WHERE (type IN ('view', 'purchase') OR price >= 10.5) AND NOT test IS NOT NULL AND 3 < qty
      AND country <> 'NL' AND kind NOT IN (1, 2)
    GROUP BY "user"."id")");
  EXPECT_EQ(view["key"], "user.id");
  EXPECT_EQ(view["aggregates"]["with_page"], (json{{"op", "count"}, {"field", "page"}}));
  EXPECT_EQ(view["aggregates"]["cheapest"], (json{{"op", "min"}, {"field", "price"}, {"optional", true}}));
  EXPECT_EQ(view["aggregates"]["last_page"], (json{{"op", "last"}, {"field", "page"}, {"optional", true}}));
  EXPECT_EQ(view["aggregates"]["purchases"],
            (json{{"op", "count"}, {"where", {{"field", "type"}, {"equals", "purchase"}}}}));
  const json expected_filter = {
      {"all",
       {{{"any", {{{"field", "type"}, {"in", {"view", "purchase"}}}, {{"field", "price"}, {"ge", 10.5}}}}},
        {{"not", {{"field", "test"}, {"exists", true}}}},
        {{"field", "qty"}, {"gt", 3}},
        {{"field", "country"}, {"notEquals", "NL"}},
        {{"not", {{"field", "kind"}, {"in", {1, 2}}}}}}}};
  EXPECT_EQ(view["filter"], expected_filter);
  EXPECT_NO_THROW(ViewDefinition::parse(view.dump()));
}

TEST(SqlView, LiteralsAndQuotedNames) {
  const json view = sql::compile_view(
      "SELECT COUNT(*) AS \"select\" FROM t WHERE a = -7 AND b = 'it''s' AND c = TRUE AND d = 1e3 AND \"e f\" = .5 "
      "GROUP BY k");
  const auto& all = view["filter"]["all"];
  EXPECT_EQ(all[0]["equals"], -7);
  EXPECT_TRUE(all[0]["equals"].is_number_integer());
  EXPECT_EQ(all[1]["equals"], "it's");
  EXPECT_EQ(all[2]["equals"], true);
  EXPECT_EQ(all[3]["equals"], 1000.0);
  EXPECT_EQ(all[4]["field"], "e f");
  EXPECT_TRUE(view["aggregates"].contains("select"));
}

TEST(SqlView, TumblingWindowsCompileToTheWindowMember) {
  const json view = sql::compile_view(
      "SELECT user_id, COUNT(*) AS n FROM events GROUP BY user_id, TUMBLE(ts, INTERVAL '60' SECOND)");
  EXPECT_EQ(view["window"], (json{{"field", "ts"}, {"size", "60s"}}));
  EXPECT_EQ(sql::compile_view("SELECT COUNT(*) AS n FROM e GROUP BY TUMBLE(t, INTERVAL '5 minutes'), k")["window"],
            (json{{"field", "t"}, {"size", "5m"}}));
}

struct Refused {
  std::string statement;
  std::string message;  // the whole "line L, column C: ..." prefix, or the part that matters
};

void PrintTo(const Refused& r, std::ostream* out) { *out << r.statement; }

class SqlRefusal : public ::testing::TestWithParam<Refused> {};

TEST_P(SqlRefusal, PointsAtWhereAndSaysWhy) {
  EXPECT_NE(refusal(GetParam().statement).find(GetParam().message), std::string::npos)
      << refusal(GetParam().statement);
}

INSTANTIATE_TEST_SUITE_P(
    Statements, SqlRefusal,
    ::testing::Values(
        Refused{"SELECT user_id, COUNT(*) AS n FROM events JOIN users ON a = b GROUP BY user_id",
                "line 1, column 43: JOIN is not supported; supported: [CREATE MATERIALIZED VIEW"},
        Refused{"SELECT k, COUNT(*) AS n\nFROM e\nGROUP BY k\nHAVING COUNT(*) > 1", "line 4, column 1: HAVING"},
        Refused{"SELECT k, COUNT(*) AS n FROM e GROUP BY k ORDER BY n", "column 43: ORDER is not supported"},
        Refused{"SELECT * FROM e GROUP BY k", "column 8: SELECT * is not supported"},
        Refused{"SELECT DISTINCT k FROM e GROUP BY k", "column 8: SELECT DISTINCT is not supported"},
        Refused{"SELECT k, AVG(x) AS a FROM e GROUP BY k", "column 11: the function AVG is not supported"},
        Refused{"SELECT k, SUM(x * 2) AS a FROM e GROUP BY k", "column 17: an expression with * (only columns"},
        Refused{"SELECT k, COUNT(*) FROM e GROUP BY k", "column 20: name the aggregate: COUNT(...) AS name"},
        Refused{"SELECT k, COUNT(*) AS n, MAX(x) AS n FROM e GROUP BY k", "column 36: two aggregates are named n"},
        Refused{"SELECT k FROM e GROUP BY k", "the view needs at least one aggregate"},
        Refused{"SELECT x, COUNT(*) AS n FROM e GROUP BY k", "column 8: x must be the GROUP BY key"},
        Refused{"SELECT COUNT(*) AS n FROM e GROUP BY a, b", "column 41: GROUP BY more than one key column"},
        Refused{"SELECT COUNT(*) AS n FROM e WHERE a = NULL GROUP BY k", "column 39: NULL is never equal"},
        Refused{"SELECT COUNT(*) AS n FROM e WHERE a = b GROUP BY k", "column 39: comparing two columns"},
        Refused{"SELECT COUNT(*) AS n FROM e WHERE a LIKE 'x%' GROUP BY k", "column 37: LIKE is not supported"},
        Refused{"SELECT COUNT(*) AS n FROM e WHERE a = 'open GROUP BY k", "column 39: a string is not closed with '"},
        Refused{"SELECT COUNT(*) AS n FROM (SELECT 1) GROUP BY k", "column 27: a subquery is not supported"},
        Refused{"SELECT COUNT(*) AS n FROM e, f GROUP BY k", "column 28: more than one input"},
        Refused{"SELECT COUNT(*) AS n FROM e GROUP BY k; SELECT 1", "column 41: expected the end of the statement, found SELECT"},
        Refused{"SELECT COUNT(*) AS n FROM e GROUP BY TUMBLE(t, INTERVAL '0' SECOND), k", "whole number from 1"},
        Refused{"SELECT COUNT(*) AS n FROM e GROUP BY TUMBLE(t, INTERVAL '1' WEEK), k", "SECOND, MINUTE, HOUR or DAY"},
        Refused{"SELECT COUNT(*) AS n FROM e GROUP BY TUMBLE(t, INTERVAL '1' SECOND)", "GROUP BY needs the key"},
        Refused{"SELECT COUNT(*) AS n FROM e WHERE a = 1 ` GROUP BY k", "column 41: '`' starts no SQL token"},
        Refused{"SELECT COUNT(*) AS n FROM e\nWHERE a = '\xff' GROUP BY k", "line 2, column 12: the statement is not valid UTF-8"},
        Refused{"SELECT COUNT(*) AS n FROM e /* GROUP BY k", "column 29: a comment is not closed"},
        Refused{"SELECT COUNT(*) AS n FROM e WHERE a = 99999999999999999999e999 GROUP BY k", "out of range"},
        Refused{"SELECT COUNT(*) AS n FROM e", "column 28: expected WHERE or GROUP BY, found the end of the statement"},
        Refused{"", "line 1, column 1: expected SELECT"},
        Refused{"SELECT SUM(*) AS s FROM e GROUP BY k", "SUM(*) is not defined"},
        Refused{"SELECT COUNT(*) AS n FROM e GROUP BY k\n  LIMIT 5", "line 2, column 3: LIMIT is not supported"},
        Refused{"SELECT k, COUNT(*) OVER (PARTITION BY k) AS n FROM e GROUP BY k", "a window function (OVER)"}));

TEST(SqlView, TooDeepAPredicateIsRefusedNotACrash) {
  std::string deep = "SELECT COUNT(*) AS n FROM e WHERE " + std::string(100000, '(') + "a = 1" +
                     std::string(100000, ')') + " GROUP BY k";
  EXPECT_NE(refusal(deep).find("nested too deeply"), std::string::npos);
  std::string nots = "SELECT COUNT(*) AS n FROM e WHERE ";
  for (int i = 0; i < 100000; ++i) nots += "NOT ";
  EXPECT_NE(refusal(nots + "a = 1 GROUP BY k").find("nested too deeply"), std::string::npos);
}

TEST(SqlView, TheDeepestAcceptedPredicateIsAValidFilter) {
  std::string statement = "SELECT COUNT(*) AS n FROM e WHERE ";
  for (int i = 0; i < 29; ++i) statement += "(a = 1 OR b = 2 AND ";
  statement += "c = 3";
  for (int i = 0; i < 29; ++i) statement += ")";
  statement += " GROUP BY k";
  EXPECT_NO_THROW(ViewDefinition::parse(json{{"sql", statement}}.dump()));
}

TEST(SqlView, KappaConfigNamesTheSqlMemberInItsErrors) {
  try {
    ViewDefinition::parse(json{{"sql", "SELECT k, COUNT(*) AS n FROM events JOIN u GROUP BY k"}}.dump());
    FAIL() << "accepted a JOIN";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.field(), "KAPPA_CONFIG.sql");
    EXPECT_EQ(std::string(e.what()).rfind("KAPPA_CONFIG.sql: line 1, column 37: JOIN is not supported; supported: ", 0),
              0u)
        << e.what();
  }
  EXPECT_THROW(ViewDefinition::parse(R"({"sql": 5})"), ConfigError);
  EXPECT_THROW(ViewDefinition::parse(json{{"sql", kReferenceStatement}, {"key", "x"}}.dump()), ConfigError);
  const auto with_dlt = ViewDefinition::parse(json{{"sql", kReferenceStatement}, {"deadLetterTopic", "d"}}.dump());
  EXPECT_EQ(with_dlt.dead_letter_topic, "d");
}

}  // namespace
}  // namespace kappa::processor
