#include "core/view_definition.h"

#include <gtest/gtest.h>

#include "core/errors.h"
#include "core/window_spec.h"

namespace kappa::processor {
namespace {

constexpr const char* kCanonical = R"({"key": "user_id", "aggregates": {
    "total_events": {"op": "count"},
    "total_revenue": {"op": "sum", "field": "revenue"},
    "total_sessions": {"op": "count_distinct", "field": "session_id"}}})";

TEST(ViewDefinition, ParsesTheCanonicalUserStats) {
  const auto view = ViewDefinition::parse(kCanonical);
  EXPECT_EQ(view.key.text(), "user_id");
  ASSERT_EQ(view.aggregates.size(), 3u);
  EXPECT_EQ(view.aggregates[0].name, "total_events");
  EXPECT_EQ(view.aggregates[0].op, AggregateOp::Count);
  EXPECT_FALSE(view.aggregates[0].field.has_value());
  EXPECT_EQ(view.aggregates[1].name, "total_revenue");
  EXPECT_EQ(view.aggregates[1].op, AggregateOp::Sum);
  EXPECT_EQ(view.aggregates[1].field->text(), "revenue");
  EXPECT_FALSE(view.aggregates[1].optional);
  EXPECT_EQ(view.aggregates[2].op, AggregateOp::CountDistinct);
  EXPECT_FALSE(view.filter.has_value());
  EXPECT_TRUE(view.dead_letter_topic.empty());
  EXPECT_EQ(view.fingerprint.size(), 16u);
}

TEST(ViewDefinition, ParsesEveryOpFilterWhereAndDeadLetterTopic) {
  const auto view = ViewDefinition::parse(R"({
      "key": "user.id",
      "filter": [{"field": "type", "in": ["view", "purchase"]}, {"field": "test", "exists": false}],
      "aggregates": {
        "a": {"op": "min", "field": "x", "optional": true},
        "b": {"op": "max", "field": "x"},
        "c": {"op": "last", "field": "page"},
        "d": {"op": "count", "where": {"field": "type", "equals": "purchase"}}},
      "deadLetterTopic": "events.dead"})");
  EXPECT_EQ(view.key.text(), "user.id");
  ASSERT_EQ(view.aggregates.size(), 4u);
  EXPECT_EQ(view.aggregates[0].op, AggregateOp::Min);
  EXPECT_TRUE(view.aggregates[0].optional);
  EXPECT_EQ(view.aggregates[1].op, AggregateOp::Max);
  EXPECT_EQ(view.aggregates[2].op, AggregateOp::Last);
  EXPECT_TRUE(view.aggregates[3].where.has_value());
  EXPECT_TRUE(view.filter.has_value());
  EXPECT_EQ(view.dead_letter_topic, "events.dead");
}

TEST(ViewDefinition, FingerprintIsStableAndFollowsTheDefinition) {
  EXPECT_EQ(ViewDefinition::parse(kCanonical).fingerprint, ViewDefinition::parse(kCanonical).fingerprint);
  // Member order and spacing do not matter; content does.
  EXPECT_EQ(ViewDefinition::parse(R"({"aggregates":{"n":{"op":"count"}},"key":"k"})").fingerprint,
            ViewDefinition::parse(R"({"key": "k", "aggregates": {"n": {"op": "count"}}})").fingerprint);
  EXPECT_NE(ViewDefinition::parse(R"({"key":"k","aggregates":{"n":{"op":"count"}}})").fingerprint,
            ViewDefinition::parse(R"({"key":"k2","aggregates":{"n":{"op":"count"}}})").fingerprint);
}

struct BadCase {
  const char* json;
  const char* field;
  const char* message;
};

class BadViewDefinition : public ::testing::TestWithParam<BadCase> {};

TEST_P(BadViewDefinition, IsRejectedNamingTheField) {
  const auto& c = GetParam();
  try {
    ViewDefinition::parse(c.json);
    FAIL() << "accepted: " << c.json;
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.field(), c.field) << e.what();
    EXPECT_NE(std::string(e.what()).find(c.message), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).rfind(c.field, 0), 0u) << "the message starts with the field: " << e.what();
  }
}

#define AGG(body) R"({"key": "k", "aggregates": )" body "}"
#define WITH(extra) R"({"key": "k", "aggregates": {"n": {"op": "count"}}, )" extra "}"

INSTANTIATE_TEST_SUITE_P(
    Cases, BadViewDefinition,
    ::testing::Values(
        BadCase{"", "KAPPA_CONFIG", "empty"}, BadCase{"  \n", "KAPPA_CONFIG", "empty"},
        BadCase{"{not json", "KAPPA_CONFIG", "not valid JSON"},
        BadCase{"[1]", "KAPPA_CONFIG", "must be a JSON object"},
        BadCase{R"({"aggregates": {"n": {"op": "count"}}})", "KAPPA_CONFIG.key", "required"},
        BadCase{R"({"key": "k"})", "KAPPA_CONFIG.aggregates", "required"},
        BadCase{R"({"key": 5, "aggregates": {"n": {"op": "count"}}})", "KAPPA_CONFIG.key", "must be a string"},
        BadCase{R"({"key": "a..b", "aggregates": {"n": {"op": "count"}}})", "KAPPA_CONFIG.key", "empty segment"},
        BadCase{AGG("{}"), "KAPPA_CONFIG.aggregates", "at least one"},
        BadCase{AGG("[]"), "KAPPA_CONFIG.aggregates", "must be an object"},
        BadCase{AGG(R"({"n": 5})"), "KAPPA_CONFIG.aggregates.n", "must be an object"},
        BadCase{AGG(R"({"n": {}})"), "KAPPA_CONFIG.aggregates.n.op", "required"},
        BadCase{AGG(R"({"n": {"op": "avg"}})"), "KAPPA_CONFIG.aggregates.n.op", "unknown op \"avg\""},
        BadCase{AGG(R"({"n": {"op": 3}})"), "KAPPA_CONFIG.aggregates.n.op", "unknown op"},
        BadCase{AGG(R"({"total_revenue": {"op": "sum"}})"), "KAPPA_CONFIG.aggregates.total_revenue.field",
                "required for op \"sum\""},
        BadCase{AGG(R"({"n": {"op": "count_distinct"}})"), "KAPPA_CONFIG.aggregates.n.field", "required"},
        BadCase{AGG(R"({"n": {"op": "max", "field": 7}})"), "KAPPA_CONFIG.aggregates.n.field", "must be a string"},
        BadCase{AGG(R"({"n": {"op": "count", "colour": 1}})"), "KAPPA_CONFIG.aggregates.n.colour", "unknown member"},
        BadCase{AGG(R"({"n": {"op": "sum", "field": "r", "optional": "yes"}})"),
                "KAPPA_CONFIG.aggregates.n.optional", "true or false"},
        BadCase{AGG(R"({"n": {"op": "count", "where": {"field": "t", "exists": 1}}})"),
                "KAPPA_CONFIG.aggregates.n.where.exists", "true or false"},
        BadCase{WITH(R"("filter": {"field": "t"})"), "KAPPA_CONFIG.filter", "exactly one"},
        BadCase{WITH(R"("filter": {"field": "t", "equals": 1, "in": [1]})"), "KAPPA_CONFIG.filter", "exactly one"},
        BadCase{WITH(R"("filter": {"field": "t", "in": "a"})"), "KAPPA_CONFIG.filter.in", "array"},
        BadCase{WITH(R"("filter": {"equals": 1})"), "KAPPA_CONFIG.filter.field", "required"},
        BadCase{WITH(R"("filter": [])"), "KAPPA_CONFIG.filter", "empty list"},
        BadCase{WITH(R"("filter": "type == 1")"), "KAPPA_CONFIG.filter", "must be an object"},
        BadCase{WITH(R"("filter": [{"field": "a", "equals": 1}, {"field": "b", "like": 2}])"),
                "KAPPA_CONFIG.filter[1].like", "unknown member"},
        BadCase{WITH(R"("deadLetterTopic": "")"), "KAPPA_CONFIG.deadLetterTopic", "non-empty"},
        BadCase{WITH(R"("window": "1h")"), "KAPPA_CONFIG.window", "must be an object"},
        BadCase{WITH(R"("window": {"size": "60s"})"), "KAPPA_CONFIG.window.field", "required"},
        BadCase{WITH(R"("window": {"field": "ts"})"), "KAPPA_CONFIG.window.size", "required"},
        BadCase{WITH(R"("window": {"field": 3, "size": "60s"})"), "KAPPA_CONFIG.window.field", "must be a string"},
        BadCase{WITH(R"("window": {"field": "ts", "size": "0s"})"), "KAPPA_CONFIG.window.size", "more than zero"},
        BadCase{WITH(R"("window": {"field": "ts", "size": 60})"), "KAPPA_CONFIG.window.size", "duration string"},
        BadCase{WITH(R"("window": {"field": "ts", "size": "60 s"})"), "KAPPA_CONFIG.window.size", "not a duration"},
        BadCase{WITH(R"("window": {"field": "ts", "size": "1w"})"), "KAPPA_CONFIG.window.size", "not a duration"},
        BadCase{WITH(R"("window": {"field": "ts", "size": "-5s"})"), "KAPPA_CONFIG.window.size", "not a duration"},
        BadCase{WITH(R"("window": {"field": "ts", "size": "1000001d"})"), "KAPPA_CONFIG.window.size", "million days"},
        BadCase{WITH(R"("window": {"field": "ts", "size": "60s", "allowedLateness": "soon"})"),
                "KAPPA_CONFIG.window.allowedLateness", "not a duration"},
        BadCase{WITH(R"("window": {"field": "ts", "size": "60s", "retention": ""})"), "KAPPA_CONFIG.window.retention",
                "not a duration"},
        BadCase{WITH(R"("window": {"field": "ts", "size": "60s", "hop": "30s"})"), "KAPPA_CONFIG.window.hop",
                "unknown member"},
        BadCase{R"({"key": "k", "aggregates": {"window_start": {"op": "count"}}, "window": {"field": "t", "size": "1s"}})",
                "KAPPA_CONFIG.aggregates.window_start", "reserved"},
        BadCase{R"({"key": "k", "aggregates": {"window_end": {"op": "count"}}, "window": {"field": "t", "size": "1s"}})",
                "KAPPA_CONFIG.aggregates.window_end", "reserved"},
        BadCase{R"({"sql": "SELECT k, COUNT(*) AS n FROM e GROUP BY k", "window": {"allowedLateness": "1s"}})",
                "KAPPA_CONFIG.window", "only beside a statement with GROUP BY ..., TUMBLE"},
        BadCase{R"j({"sql": "SELECT k, COUNT(*) AS n FROM e GROUP BY k, TUMBLE(ts, INTERVAL '1' MINUTE)", "window": {"size": "2m"}})j", "KAPPA_CONFIG.window.size", "the statement's TUMBLE defines it"},
        BadCase{R"j({"sql": "SELECT k, COUNT(*) AS n FROM e GROUP BY k, TUMBLE(ts, INTERVAL '1' MINUTE)", "window": {"field": "t2"}})j", "KAPPA_CONFIG.window.field", "the statement's TUMBLE defines it"},
        BadCase{R"j({"sql": "SELECT k, COUNT(*) AS n FROM e GROUP BY k, TUMBLE(ts, INTERVAL '1' MINUTE)", "window": {"retention": "forever"}})j", "KAPPA_CONFIG.window.retention", "not a duration"},
        BadCase{R"j({"sql": "SELECT k, COUNT(*) AS n FROM e GROUP BY k, TUMBLE(ts, INTERVAL '1' MINUTE)", "window": "10s"})j", "KAPPA_CONFIG.window", "must be an object"}));

TEST(ViewDefinition, ParsesAWindowWithDefaults) {
  const auto view = ViewDefinition::parse(WITH(R"("window": {"field": "event.ts", "size": "60s"})"));
  ASSERT_TRUE(view.window.has_value());
  EXPECT_EQ(view.window->field.text(), "event.ts");
  EXPECT_EQ(view.window->size_ms, 60000);
  EXPECT_EQ(view.window->allowed_lateness_ms, 0);
  EXPECT_EQ(view.window->retention_ms, 3600000);
  EXPECT_FALSE(ViewDefinition::parse(WITH(R"("name": "v")")).window.has_value());
}

TEST(ViewDefinition, ParsesEveryDurationUnit) {
  EXPECT_EQ(parse_duration("500ms"), 500);
  EXPECT_EQ(parse_duration("60s"), 60000);
  EXPECT_EQ(parse_duration("5m"), 300000);
  EXPECT_EQ(parse_duration("2h"), 7200000);
  EXPECT_EQ(parse_duration("1d"), 86400000);
  EXPECT_EQ(parse_duration("0s"), 0);
  EXPECT_EQ(parse_duration("1000000d"), 86400000000000LL);
  for (const char* bad : {"", "s", "5", "5 s", "5S", "1.5s", "+5s", "5sec", "1000001d", "99999999999999999ms"}) {
    EXPECT_FALSE(parse_duration(bad).has_value()) << bad;
  }
}

TEST(ViewDefinition, AWindowsFingerprintDependsOnItsMeaningNotItsSpelling) {
  const auto a = ViewDefinition::parse(WITH(R"("window": {"field": "ts", "size": "60s"})"));
  const auto b = ViewDefinition::parse(
      WITH(R"("window": {"field": "ts", "size": "1m", "allowedLateness": "0ms", "retention": "1h"})"));
  const auto c = ViewDefinition::parse(WITH(R"("window": {"field": "ts", "size": "60s", "allowedLateness": "1s"})"));
  const auto plain = ViewDefinition::parse(WITH(R"("name": "x")"));
  EXPECT_EQ(a.fingerprint, b.fingerprint);
  EXPECT_NE(a.fingerprint, c.fingerprint);
  EXPECT_NE(a.fingerprint, plain.fingerprint);
}

TEST(ViewDefinition, SqlTumbleTakesAllowedLatenessAndRetentionFromItsWindowSibling) {
  const char* statement = "SELECT k, COUNT(*) AS n FROM e GROUP BY k, TUMBLE(ts, INTERVAL '60' SECOND)";
  const auto plain = ViewDefinition::parse(nlohmann::json{{"sql", statement}}.dump());
  ASSERT_TRUE(plain.window.has_value());
  EXPECT_EQ(plain.window->field.text(), "ts");
  EXPECT_EQ(plain.window->size_ms, 60000);
  EXPECT_EQ(plain.window->allowed_lateness_ms, 0);
  EXPECT_EQ(plain.window->retention_ms, 3600000);
  const auto tuned = ViewDefinition::parse(
      nlohmann::json{{"sql", statement}, {"window", {{"allowedLateness", "10s"}, {"retention", "2h"}}},
                     {"deadLetterTopic", "dead"}}
          .dump());
  EXPECT_EQ(tuned.window->size_ms, 60000);
  EXPECT_EQ(tuned.window->allowed_lateness_ms, 10000);
  EXPECT_EQ(tuned.window->retention_ms, 7200000);
  EXPECT_EQ(tuned.dead_letter_topic, "dead");
  // The same view in JSON: the same state.
  const auto json_form = ViewDefinition::parse(R"({"key": "k", "aggregates": {"n": {"op": "count"}},
      "deadLetterTopic": "dead",
      "window": {"field": "ts", "size": "1m", "allowedLateness": "10s", "retention": "120m"}})");
  EXPECT_EQ(tuned.fingerprint, json_form.fingerprint);
}

}  // namespace
}  // namespace kappa::processor
