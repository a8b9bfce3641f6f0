#include "core/aggregator.h"

#include <gtest/gtest.h>

#include <map>

namespace kappa::processor {
namespace {

using nlohmann::json;

// Runs events through an Aggregator into a key -> state map, counting
// outcomes, as the stream loop does.
class Harness {
 public:
  explicit Harness(const std::string& view_json) : view_(ViewDefinition::parse(view_json)), aggregator_(view_) {}

  Outcome feed(const std::string& payload) {
    const auto outcome = aggregator_.process(payload, [&](const HashedText& key) -> KeyState& {
      auto [it, inserted] = states_.try_emplace(std::string(key.text), initial_key_state(view_));
      return it->second;
    });
    ++counts_[outcome.kind];
    return outcome;
  }
  // The output row of `key` (null when the key has no state).
  json row(const std::string& key) const {
    const auto it = states_.find(key);
    if (it == states_.end()) return nullptr;
    json out = json::object();
    for (std::size_t i = 0; i < view_.aggregates.size(); ++i) {
      out[view_.aggregates[i].name] = render(it->second.aggregates[i]);
    }
    return out;
  }
  std::size_t keys() const { return states_.size(); }
  int count(Outcome::Kind kind) { return counts_[kind]; }

 private:
  ViewDefinition view_;
  Aggregator aggregator_;
  std::map<std::string, KeyState> states_;
  std::map<Outcome::Kind, int> counts_;
};

constexpr const char* kUserStats = R"({"key": "user_id", "aggregates": {
    "total_events": {"op": "count"},
    "total_revenue": {"op": "sum", "field": "revenue", "optional": true},
    "total_sessions": {"op": "count_distinct", "field": "session_id"}}})";

TEST(Aggregator, FoldsEventsIntoTheirKey) {
  Harness h(kUserStats);
  EXPECT_EQ(h.feed(R"({"user_id": "u1", "session_id": "s1", "revenue": 10})").key, "u1");
  h.feed(R"({"user_id": "u1", "session_id": "s2", "revenue": 5})");
  h.feed(R"({"user_id": "u1", "session_id": "s1"})");
  h.feed(R"({"user_id": "u2", "session_id": "s1", "revenue": 1})");
  EXPECT_EQ(h.row("u1"), (json{{"total_events", 3}, {"total_revenue", 15}, {"total_sessions", 2}}));
  EXPECT_EQ(h.row("u2"), (json{{"total_events", 1}, {"total_revenue", 1}, {"total_sessions", 1}}));
  EXPECT_EQ(h.count(Outcome::Kind::Applied), 4);
}

TEST(Aggregator, IntegerKeysAndNestedKeyPaths) {
  Harness flat(R"({"key": "id", "aggregates": {"n": {"op": "count"}}})");
  EXPECT_EQ(flat.feed(R"({"id": 42})").key, "42");
  Harness nested(R"({"key": "user.id", "aggregates": {"n": {"op": "count"}}})");
  EXPECT_EQ(nested.feed(R"({"user": {"id": "a"}})").key, "a");
  EXPECT_EQ(nested.feed(R"({"user": "a"})").kind, Outcome::Kind::Bad);
}

TEST(Aggregator, FilterDropsEventsWithoutCountingThemBad) {
  Harness h(R"({"key": "user_id", "filter": {"field": "type", "in": ["view", "purchase"]},
                "aggregates": {"n": {"op": "count"}}})");
  h.feed(R"({"user_id": "u", "type": "view"})");
  EXPECT_EQ(h.feed(R"({"user_id": "u", "type": "heartbeat"})").kind, Outcome::Kind::Filtered);
  // Filtered before the key is looked at: events of other kinds may lack it.
  EXPECT_EQ(h.feed(R"({"type": "heartbeat"})").kind, Outcome::Kind::Filtered);
  EXPECT_EQ(h.row("u"), (json{{"n", 1}}));
  EXPECT_EQ(h.count(Outcome::Kind::Bad), 0);
}

TEST(Aggregator, FilterConditionsEqualsExistsAndAll) {
  Harness h(R"({"key": "k", "filter": [{"field": "v", "equals": 3}, {"field": "test", "exists": false}],
                "aggregates": {"n": {"op": "count"}}})");
  h.feed(R"({"k": "a", "v": 3})");
  h.feed(R"({"k": "a", "v": 3.0})");  // JSON equality: 3 == 3.0
  h.feed(R"({"k": "a", "v": "3"})");
  h.feed(R"({"k": "a", "v": 3, "test": true})");
  h.feed(R"({"k": "a", "v": 3, "test": null})");  // null counts as absent
  EXPECT_EQ(h.row("a"), (json{{"n", 3}}));
}

TEST(Aggregator, WhereLimitsOneAggregate) {
  Harness h(R"({"key": "k", "aggregates": {
      "events": {"op": "count"},
      "purchases": {"op": "count", "where": {"field": "type", "equals": "purchase"}},
      "revenue": {"op": "sum", "field": "amount", "where": {"field": "type", "equals": "purchase"}}}})");
  h.feed(R"({"k": "a", "type": "view"})");  // no amount: fine, `revenue` does not apply
  h.feed(R"({"k": "a", "type": "purchase", "amount": 7})");
  EXPECT_EQ(h.row("a"), (json{{"events", 2}, {"purchases", 1}, {"revenue", 7}}));
}

TEST(Aggregator, CountWithAFieldCountsEventsHavingIt) {
  Harness h(R"({"key": "k", "aggregates": {"clicks": {"op": "count", "field": "click"}}})");
  h.feed(R"({"k": "a", "click": 1})");
  h.feed(R"({"k": "a"})");
  h.feed(R"({"k": "a", "click": null})");
  EXPECT_EQ(h.row("a"), (json{{"clicks", 1}}));
}

TEST(Aggregator, OptionalFieldsMayBeMissingRequiredOnesMayNot) {
  Harness h(kUserStats);
  EXPECT_EQ(h.feed(R"({"user_id": "u", "session_id": "s"})").kind, Outcome::Kind::Applied);
  const auto missing = h.feed(R"({"user_id": "u", "revenue": 3})");
  EXPECT_EQ(missing.kind, Outcome::Kind::Bad);
  EXPECT_EQ(missing.reason, BadReason::MissingField);
  EXPECT_EQ(missing.detail, "field 'session_id' (aggregate total_sessions) is missing");
}

struct BadEvent {
  const char* payload;
  BadReason reason;
};

class MalformedEvent : public ::testing::TestWithParam<BadEvent> {};

TEST_P(MalformedEvent, IsCountedAndSkippedWithoutTouchingState) {
  Harness h(kUserStats);
  h.feed(R"({"user_id": "u1", "session_id": "s1", "revenue": 2})");
  const auto before = h.row("u1");
  const auto outcome = h.feed(GetParam().payload);
  EXPECT_EQ(outcome.kind, Outcome::Kind::Bad);
  EXPECT_EQ(outcome.reason, GetParam().reason) << outcome.detail;
  EXPECT_FALSE(outcome.detail.empty());
  EXPECT_EQ(h.row("u1"), before);
  EXPECT_EQ(h.keys(), 1u);
  // ... and the stream goes on.
  h.feed(R"({"user_id": "u1", "session_id": "s2", "revenue": 3})");
  EXPECT_EQ(h.row("u1"), (json{{"total_events", 2}, {"total_revenue", 5}, {"total_sessions", 2}}));
}

INSTANTIATE_TEST_SUITE_P(
    Cases, MalformedEvent,
    ::testing::Values(BadEvent{R"({"user_id": "u1", "session_id": "s1", "reven)", BadReason::MalformedJson},
                      BadEvent{"", BadReason::MalformedJson}, BadEvent{"not json", BadReason::MalformedJson},
                      BadEvent{R"([{"user_id": "u1"}])", BadReason::NotAnObject},
                      BadEvent{R"("u1")", BadReason::NotAnObject},
                      BadEvent{R"({"session_id": "s1"})", BadReason::MissingKey},
                      BadEvent{R"({"user_id": null, "session_id": "s1"})", BadReason::MissingKey},
                      BadEvent{R"({"user_id": "", "session_id": "s1"})", BadReason::InvalidKey},
                      BadEvent{R"({"user_id": 1.5, "session_id": "s1"})", BadReason::InvalidKey},
                      BadEvent{R"({"user_id": ["u1"], "session_id": "s1"})", BadReason::InvalidKey},
                      BadEvent{R"({"user_id": "u1"})", BadReason::MissingField},
                      BadEvent{R"({"user_id": "u1", "session_id": "s1", "revenue": "12.50"})", BadReason::WrongType},
                      // Atomic: a good revenue is not added when the session is bad.
                      BadEvent{R"({"user_id": "u1", "session_id": {"id": 1}, "revenue": 100})",
                               BadReason::WrongType}));

TEST(Aggregator, BadReasonsHaveMetricLabels) {
  EXPECT_EQ(to_string(BadReason::MalformedJson), "malformed_json");
  EXPECT_EQ(to_string(BadReason::WrongType), "wrong_type");
}

}  // namespace
}  // namespace kappa::processor
