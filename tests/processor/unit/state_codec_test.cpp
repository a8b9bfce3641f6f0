#include "core/state_codec.h"

#include <gtest/gtest.h>

#include "core/aggregator.h"

namespace kappa::processor {
namespace {

using nlohmann::json;

const ViewDefinition& view() {
  static const auto v = ViewDefinition::parse(R"({"key": "user_id", "aggregates": {
      "events": {"op": "count"},
      "revenue": {"op": "sum", "field": "revenue", "optional": true},
      "sessions": {"op": "count_distinct", "field": "session_id"},
      "biggest": {"op": "max", "field": "revenue", "optional": true},
      "smallest": {"op": "min", "field": "revenue", "optional": true},
      "page": {"op": "last", "field": "page"}}})");
  return v;
}

KeyState sample_state() {
  KeyState state = initial_key_state(view());
  Aggregator aggregator(view());
  for (const char* event : {R"({"user_id": "u", "session_id": "s1", "revenue": 1.25, "page": "/a"})",
                            R"({"user_id": "u", "session_id": "s2", "page": {"path": "/b"}})",
                            R"({"user_id": "u", "session_id": 7, "revenue": 40, "page": "/c"})"}) {
    aggregator.process(event, [&](const std::string&) -> KeyState& { return state; });
  }
  return state;
}

TEST(StateCodec, RoundTripsAKeyState) {
  const auto state = sample_state();
  const auto bytes = encode_state(view(), state);
  const auto back = decode_state(view(), bytes);
  EXPECT_EQ(render_output(view(), back), render_output(view(), state));
  EXPECT_EQ(encode_state(view(), back).size(), bytes.size());
  const auto doc = json::parse(bytes);
  EXPECT_EQ(doc["v"], 1);
  EXPECT_EQ(doc["view"], view().fingerprint);
}

TEST(StateCodec, RendersTheOutputRow) {
  EXPECT_EQ(json::parse(render_output(view(), sample_state())),
            (json{{"events", 3}, {"revenue", 41.25}, {"sessions", 3}, {"biggest", 40}, {"smallest", 1.25},
                  {"page", "/c"}}));
  EXPECT_EQ(json::parse(render_output(view(), initial_key_state(view()))),
            (json{{"events", 0}, {"revenue", 0}, {"sessions", 0}, {"biggest", nullptr}, {"smallest", nullptr},
                  {"page", nullptr}}));
}

TEST(StateCodec, RefusesStateItCannotTrust) {
  const auto good = json::parse(encode_state(view(), sample_state()));
  const auto rejects = [](const std::string& bytes, const std::string& why) {
    try {
      decode_state(view(), bytes);
      ADD_FAILURE() << "accepted " << bytes;
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(why), std::string::npos) << e.what();
    }
  };
  rejects("{oops", "not a JSON object");
  auto other_version = good;
  other_version["v"] = 2;
  rejects(other_version.dump(), "format version 2");
  auto other_view = good;
  other_view["view"] = "0123456789abcdef";
  rejects(other_view.dump(), "another view definition");
  auto missing = good;
  missing["a"].erase("sessions");
  rejects(missing.dump(), "lacks aggregate 'sessions'");
  auto corrupt = good;
  corrupt["a"]["events"] = "many";
  rejects(corrupt.dump(), "state of aggregate 'events'");
}

}  // namespace
}  // namespace kappa::processor
