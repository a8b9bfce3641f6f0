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
    aggregator.process(event, [&](const HashedText&) -> KeyState& { return state; });
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

// The format as first written, by building documents (the reference the
// direct writer must match byte for byte).
std::string document_state(const KeyState& state) {
  json aggregates = json::object();
  for (std::size_t i = 0; i < view().aggregates.size(); ++i) {
    aggregates[view().aggregates[i].name] = encode(state.aggregates[i]);
  }
  return json{{"v", 1}, {"view", view().fingerprint}, {"a", std::move(aggregates)}}.dump();
}
std::string document_row(const KeyState& state) {
  json row = json::object();
  for (std::size_t i = 0; i < view().aggregates.size(); ++i) row[view().aggregates[i].name] = render(state.aggregates[i]);
  return row.dump();
}

TEST(StateCodec, WritesTheBytesADocumentDumpWrites) {
  KeyState state = initial_key_state(view());
  EXPECT_EQ(encode_state(view(), state), document_state(state));
  EXPECT_EQ(render_output(view(), state), document_row(state));
  Aggregator aggregator(view());
  std::string reused = "stale bytes";
  for (const char* event : {R"({"user_id": "u", "session_id": "s\"1\n", "revenue": 1.25, "page": "/a"})",
                            R"({"user_id": "u", "session_id": true, "page": {"path": "/b", "q": [1, null]}})",
                            R"({"user_id": "u", "session_id": 7, "revenue": 40, "page": "caf\u00e9"})",
                            R"({"user_id": "u", "session_id": 7.0, "revenue": -0.25, "page": 3})",
                            R"({"user_id": "u", "session_id": 2.5, "revenue": 1e300, "page": null})",
                            R"({"user_id": "u", "session_id": -3, "revenue": 18446744073709551615})"}) {
    aggregator.process(event, [&](const HashedText&) -> KeyState& { return state; });
    EXPECT_EQ(encode_state(view(), state), document_state(state)) << event;
    encode_state(view(), state, reused);
    EXPECT_EQ(reused, document_state(state));
    EXPECT_EQ(render_output(view(), state), document_row(state)) << event;
    render_output(view(), state, reused);
    EXPECT_EQ(reused, document_row(state));
    // Decoding rebuilds the distinct set (its order may change): same size, same row.
    const auto back = decode_state(view(), encode_state(view(), state));
    EXPECT_EQ(encode_state(view(), back).size(), encode_state(view(), state).size());
    EXPECT_EQ(render_output(view(), back), render_output(view(), state));
  }
}

TEST(StateCodec, ADoubleSumStaysADoubleThroughTheChangelog) {
  KeyState state = initial_key_state(view());
  Aggregator aggregator(view());
  for (const char* event : {R"({"user_id": "u", "session_id": "s", "revenue": 0.5, "page": "/p"})",
                            R"({"user_id": "u", "session_id": "s", "revenue": 0.5, "page": "/p"})"}) {
    aggregator.process(event, [&](const HashedText&) -> KeyState& { return state; });
  }
  const auto bytes = encode_state(view(), state);
  EXPECT_NE(bytes.find(R"("revenue":1.0)"), std::string::npos) << bytes;
  const auto back = decode_state(view(), bytes);
  const auto& sum = std::get<SumState>(back.aggregates[3]);  // events, page, revenue, ... in name order
  EXPECT_FALSE(sum.integral);
  EXPECT_EQ(sum.real.value(), 1.0);
  EXPECT_EQ(render_output(view(), back), R"({"biggest":0.5,"events":2,"page":"/p","revenue":1.0,"sessions":1,"smallest":0.5})");
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
