#include "core/state_codec.h"

#include <gtest/gtest.h>

#include "core/aggregator.h"

#include <vector>

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

// ---- `last` of a repartitioned input (view.event_order)

const ViewDefinition& ordered_view() {
  static const auto v = view().with_event_order();
  return v;
}

// Three events of one key, `page` an array last; prepared as the folding
// stage prepares them, each with its order.
KeyState fold_ordered(const ViewDefinition& v, const std::vector<EventOrder>& orders) {
  KeyState state = initial_key_state(v);
  Aggregator aggregator(v);
  const std::vector<const char*> events = {R"({"user_id": "u", "session_id": "s1", "revenue": 1.25, "page": "/a"})",
                                           R"({"user_id": "u", "session_id": "s1", "page": {"path": "/b"}})",
                                           R"({"user_id": "u", "session_id": "s1", "revenue": 40, "page": ["/c", 1]})"};
  PreparedEvent prepared;
  for (std::size_t i = 0; i < events.size(); ++i) {
    aggregator.prepare(events[i], prepared);
    prepared.order = orders[i];
    EXPECT_TRUE(aggregator.fold(prepared, state));
  }
  return state;
}

// The `last` aggregate ("page") of a state of view().
const LastState& page_of(const KeyState& state) {
  for (std::size_t i = 0; i < view().aggregates.size(); ++i) {
    if (view().aggregates[i].name == "page") return std::get<LastState>(state.aggregates[i]);
  }
  throw std::logic_error("no page");
}

// The fast path's changelog record, as the code before event orders wrote
// it (these bytes were captured from that build): unchanged, fingerprint
// included, whatever order an event carries.
TEST(StateCodec, TheFastPathsRecordIsByteIdenticalToBefore) {
  const std::string before =
      R"({"a":{"biggest":40,"events":3,"page":["/c",1],"revenue":41.25,"sessions":["s1"],"smallest":1.25},)"
      R"("v":1,"view":"e1c1edddb0f3ea63"})";
  EXPECT_EQ(view().fingerprint, "e1c1edddb0f3ea63");
  EXPECT_EQ(encode_state(view(), fold_ordered(view(), {{9, 0, 0}, {1, 0, 0}, {5, 0, 0}})), before);
  EXPECT_EQ(encode_state(view(), fold_ordered(view(), {{}, {}, {}})), before);
}

TEST(StateCodec, AnOrderedLastKeepsItsOrderThroughTheChangelog) {
  // The array value comes last in the log but not in event order: the object wins.
  const auto state = fold_ordered(ordered_view(), {{100, 2, 7}, {300, 0, 4}, {200, 3, 9}});
  const auto bytes = encode_state(ordered_view(), state);
  const auto doc = json::parse(bytes);
  EXPECT_EQ(doc["a"]["page"], json::parse(R"([[300,0,4],{"path":"/b"}])"));
  EXPECT_EQ(bytes, json::parse(bytes).dump()) << "the bytes a document dump writes";
  const auto back = decode_state(ordered_view(), bytes);
  const auto& last = page_of(back);
  EXPECT_EQ(last.value, json::parse(R"({"path":"/b"})"));
  EXPECT_EQ(last.order, (EventOrder{300, 0, 4}));
  EXPECT_EQ(encode_state(ordered_view(), back), bytes);
  EXPECT_EQ(json::parse(render_output(ordered_view(), back))["page"], json::parse(R"({"path":"/b"})"));

  // An array value is never read as an order: the view says which encoding.
  const auto array_last = fold_ordered(ordered_view(), {{1, 0, 0}, {2, 0, 0}, {3, 1, 1}});
  const auto array_back = decode_state(ordered_view(), encode_state(ordered_view(), array_last));
  EXPECT_EQ(page_of(array_back).value, json::parse(R"(["/c",1])"));
  EXPECT_EQ(page_of(array_back).order, (EventOrder{3, 1, 1}));

  // No value yet: null, in both modes.
  const auto empty = initial_key_state(ordered_view());
  EXPECT_EQ(json::parse(encode_state(ordered_view(), empty))["a"]["page"], nullptr);
  EXPECT_TRUE(page_of(decode_state(ordered_view(), encode_state(ordered_view(), empty))).value.is_null());
  // Negative times and the largest offsets survive.
  const auto extreme = fold_ordered(ordered_view(), {{-5, 0xffffffffu, ~0ull}, {-6, 0, 0}, {-7, 0, 0}});
  EXPECT_EQ(page_of(decode_state(ordered_view(), encode_state(ordered_view(), extreme))).order,
            (EventOrder{-5, 0xffffffffu, ~0ull}));
}

TEST(StateCodec, StateOfOneModeIsNeverReadInTheOther) {
  EXPECT_NE(ordered_view().fingerprint, view().fingerprint);
  EXPECT_EQ(view().with_event_order().fingerprint, ordered_view().fingerprint) << "stable";
  EXPECT_EQ(ordered_view().with_event_order().fingerprint, ordered_view().fingerprint) << "idempotent";
  const auto ordered = encode_state(ordered_view(), fold_ordered(ordered_view(), {{1, 0, 0}, {2, 0, 0}, {3, 0, 0}}));
  const auto fast = encode_state(view(), fold_ordered(view(), {{}, {}, {}}));
  EXPECT_THROW(decode_state(view(), ordered), std::invalid_argument);
  EXPECT_THROW(decode_state(ordered_view(), fast), std::invalid_argument);
}

TEST(StateCodec, RefusesAnOrderedLastThatIsNotOne) {
  auto doc = json::parse(encode_state(ordered_view(), fold_ordered(ordered_view(), {{1, 0, 0}, {2, 0, 0}, {3, 0, 0}})));
  for (const char* bad : {R"("/a")", R"(["/c",1])", R"([[1,0],"/a"])", R"([[1,-1,0],"/a"])", R"([[1,0,0],null])",
                          R"([[1,0,0],"/a",2])", R"([[1,4294967296,0],"/a"])", R"([[9223372036854775808,0,0],"/a"])",
                          R"([["1",0,0],"/a"])"}) {
    doc["a"]["page"] = json::parse(bad);
    EXPECT_THROW(decode_state(ordered_view(), doc.dump()), std::invalid_argument) << bad;
  }
}

}  // namespace
}  // namespace kappa::processor
