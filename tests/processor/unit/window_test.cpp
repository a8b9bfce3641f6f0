// Tumbling event-time windows: event time, window assignment, the state key,
// late events, eviction, the windowed row and the windowed HTTP API.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>

#include "core/aggregator.h"
#include "core/event_time.h"
#include "core/merged_view.h"
#include "core/serving_api.h"
#include "core/state_codec.h"
#include "core/state_store.h"
#include "core/view_definition.h"
#include "core/window_clock.h"

namespace kappa::processor {
namespace {

using nlohmann::json;
namespace et = event_time;

FieldValue integer(std::int64_t v) {
  FieldValue f;
  f.kind = FieldValue::Kind::Integer;
  f.integer = v;
  return f;
}
FieldValue text(const std::string& v) {
  FieldValue f;
  f.kind = FieldValue::Kind::String;
  f.text = v;
  return f;
}
FieldValue real(double v) {
  FieldValue f;
  f.kind = FieldValue::Kind::Float;
  f.real = v;
  return f;
}

// 2026-12-07T05:30:00Z
constexpr std::int64_t kT = 1796621400000LL;

TEST(EventTime, ParsesRfc3339WithOffsetsAndFractions) {
  EXPECT_EQ(et::parse_rfc3339("2026-12-07T05:30:00Z"), kT);
  EXPECT_EQ(et::parse_rfc3339("2026-12-07t05:30:00z"), kT);
  EXPECT_EQ(et::parse_rfc3339("2026-12-07T05:30:00.123Z"), kT + 123);
  EXPECT_EQ(et::parse_rfc3339("2026-12-07T05:30:00.1Z"), kT + 100);
  EXPECT_EQ(et::parse_rfc3339("2026-12-07T05:30:00.123999Z"), kT + 123);  // finer than 1 ms: rounded down
  EXPECT_EQ(et::parse_rfc3339("2026-12-07T06:30:00.123+01:00"), kT + 123);
  EXPECT_EQ(et::parse_rfc3339("2026-12-07T00:00:00-05:30"), kT);
  EXPECT_EQ(et::parse_rfc3339("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(et::parse_rfc3339("1969-12-31T23:59:59.999Z"), -1);
  EXPECT_EQ(et::parse_rfc3339("2024-02-29T00:00:00Z"), 1709164800000LL);  // a leap day
  EXPECT_EQ(et::parse_rfc3339("0000-01-01T00:00:00Z"), et::kMinMs);
  EXPECT_EQ(et::parse_rfc3339("9999-12-31T23:59:59.999Z"), et::kMaxMs);
  for (const char* bad : {"", "2026-12-07", "2026-12-07T05:30:00", "2026-12-07 05:30:00Z", "2026-13-07T05:30:00Z",
                          "2026-02-29T00:00:00Z", "2026-12-07T24:00:00Z", "2026-12-07T05:60:00Z",
                          "2026-12-07T05:30:60Z", "2026-12-07T05:30:00.Z", "2026-12-07T05:30:00+0100",
                          "2026-12-07T05:30:00+24:00", "2026-12-07T05:30:00Zjunk", "26-12-07T05:30:00Z",
                          "0000-01-01T00:00:00+01:00", "yesterday"}) {
    EXPECT_FALSE(et::parse_rfc3339(bad).has_value()) << bad;
  }
}

TEST(EventTime, FormatsUtcWithMillisecondsAndRoundTrips) {
  EXPECT_EQ(et::format_rfc3339(kT), "2026-12-07T05:30:00.000Z");
  EXPECT_EQ(et::format_rfc3339(kT + 123), "2026-12-07T05:30:00.123Z");
  EXPECT_EQ(et::format_rfc3339(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(et::format_rfc3339(-1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(et::format_rfc3339(-60000), "1969-12-31T23:59:00.000Z");
  for (std::int64_t ms = et::kMinMs; ms < et::kMaxMs; ms += 7919LL * 86400000 + 12345) {
    EXPECT_EQ(et::parse_rfc3339(et::format_rfc3339(ms)), ms) << ms;
  }
}

TEST(EventTime, ReadsEpochMillisecondsOrRfc3339AndSaysWhyNot) {
  EXPECT_EQ(std::get<std::int64_t>(et::from_field(integer(kT))), kT);
  EXPECT_EQ(std::get<std::int64_t>(et::from_field(integer(-5))), -5);
  EXPECT_EQ(std::get<std::int64_t>(et::from_field(real(1500.7))), 1500);
  EXPECT_EQ(std::get<std::int64_t>(et::from_field(real(-0.5))), -1);  // rounded down, also below zero
  EXPECT_EQ(std::get<std::int64_t>(et::from_field(text("2026-12-07T05:30:00.5Z"))), kT + 500);
  FieldValue unsigned_value;
  unsigned_value.kind = FieldValue::Kind::Unsigned;
  unsigned_value.unsigned_integer = 18446744073709551615ULL;
  EXPECT_NE(std::get<std::string>(et::from_field(unsigned_value)).find("outside years"), std::string::npos);
  EXPECT_NE(std::get<std::string>(et::from_field(integer(et::kMaxMs + 1))).find("outside years"), std::string::npos);
  EXPECT_NE(std::get<std::string>(et::from_field(real(1e300))).find("outside years"), std::string::npos);
  EXPECT_NE(std::get<std::string>(et::from_field(text("tomorrow"))).find("RFC 3339"), std::string::npos);
  FieldValue boolean;
  boolean.kind = FieldValue::Kind::Boolean;
  EXPECT_NE(std::get<std::string>(et::from_field(boolean)).find("epoch milliseconds or an RFC 3339"),
            std::string::npos);
}

TEST(EventTime, AWindowStartsAtTheFloorOfTimeOverSizeAlsoBeforeTheEpoch) {
  EXPECT_EQ(et::window_start(0, 60000), 0);
  EXPECT_EQ(et::window_start(59999, 60000), 0);
  EXPECT_EQ(et::window_start(60000, 60000), 60000);
  EXPECT_EQ(et::window_start(-1, 60000), -60000);
  EXPECT_EQ(et::window_start(-60000, 60000), -60000);
  EXPECT_EQ(et::window_start(-60001, 60000), -120000);
  EXPECT_EQ(et::window_start(kT + 59999, 60000), kT);
}

TEST(EventTime, StateKeysSplitAtTheLastAt) {
  std::string key = "a@b";
  et::append_window_suffix(key, -120000);
  EXPECT_EQ(key, "a@b@-120000");
  const auto split = et::split_window_key(key);
  ASSERT_TRUE(split.has_value());
  EXPECT_EQ(split->key, "a@b");
  EXPECT_EQ(split->start, -120000);
  EXPECT_FALSE(et::split_window_key("plain").has_value());
  EXPECT_FALSE(et::split_window_key("a@").has_value());
  EXPECT_FALSE(et::split_window_key("a@12x").has_value());
  EXPECT_FALSE(et::split_window_key("@watermark").has_value());
}

const char* const kWindowed = R"({"key": "user_id",
  "aggregates": {"n": {"op": "count"}, "revenue": {"op": "sum", "field": "revenue", "optional": true}},
  "window": {"field": "ts", "size": "60s", "allowedLateness": "10s", "retention": "2m"}})";

TEST(WindowedAggregator, KeysEachEventByItsViewKeyAndWindow) {
  const auto view = ViewDefinition::parse(kWindowed);
  const Aggregator aggregator(view);
  PreparedEvent event;
  aggregator.prepare(R"({"user_id": "u@1", "ts": 1796621459999, "revenue": 2})", event);
  ASSERT_EQ(event.outcome.kind, Outcome::Kind::Applied) << event.outcome.detail;
  EXPECT_EQ(event.outcome.key, "u@1@1796621400000");
  EXPECT_EQ(event.view_key_size, 3u);
  EXPECT_EQ(event.event_time, 1796621459999);
  EXPECT_EQ(event.window_start, kT);
  aggregator.prepare(R"({"user_id": 7, "ts": "2026-12-07T06:30:30+01:00"})", event);
  ASSERT_EQ(event.outcome.kind, Outcome::Kind::Applied);
  EXPECT_EQ(event.outcome.key, "7@1796621400000");
}

TEST(WindowedAggregator, AMissingOrBadTimeIsABadRecordSayingWhy) {
  const auto view = ViewDefinition::parse(kWindowed);
  const Aggregator aggregator(view);
  PreparedEvent event;
  for (const char* missing : {R"({"user_id": "u"})", R"({"user_id": "u", "ts": null})"}) {
    aggregator.prepare(missing, event);
    EXPECT_EQ(event.outcome.kind, Outcome::Kind::Bad);
    EXPECT_EQ(event.outcome.reason, BadReason::MissingField);
    EXPECT_NE(event.outcome.detail.find("event-time field 'ts' (window) is missing"), std::string::npos);
  }
  for (const char* wrong : {R"({"user_id": "u", "ts": "12:00"})", R"({"user_id": "u", "ts": true})",
                            R"({"user_id": "u", "ts": {"s": 1}})", R"({"user_id": "u", "ts": 1e300})"}) {
    aggregator.prepare(wrong, event);
    EXPECT_EQ(event.outcome.kind, Outcome::Kind::Bad) << wrong;
    EXPECT_EQ(event.outcome.reason, BadReason::WrongType) << wrong;
    EXPECT_NE(event.outcome.detail.find("event-time field 'ts' (window) is "), std::string::npos) << event.outcome.detail;
  }
  EXPECT_EQ(to_string(BadReason::Late), "late");
  EXPECT_EQ(kBadReasons.back(), BadReason::Late);
}

// Folds `payload` of `partition` as the stream loop does: late or folded.
struct Fold {
  explicit Fold(const ViewDefinition& v) : view(v) {}
  const ViewDefinition& view;
  Aggregator aggregator{view};
  StateStore store{initial_key_state(view)};
  WindowClock clock{*view.window};
  PreparedEvent event;

  Outcome operator()(int32_t partition, const std::string& payload) {
    aggregator.prepare(payload, event);
    if (event.outcome.kind != Outcome::Kind::Applied) return event.outcome;
    if (clock.is_late(partition, event.window_start)) return clock.late(partition, event);
    clock.advance(partition, event.event_time);
    const auto* keys = store.keys_of(partition);
    const auto before = keys ? keys->size() : 0;
    aggregator.fold(event, store.state_for(partition, event.key()));
    if (store.keys_of(partition)->size() != before) clock.opened(partition, event.window_start, event.outcome.key);
    return event.outcome;
  }
  std::int64_t count(int32_t partition, const std::string& state_key) {
    const auto* state = store.peek(partition, HashedText(state_key));
    return state ? std::get<CountState>(state->aggregates[0]).count : -1;
  }
};

std::string at(std::int64_t ms, const std::string& user = "u") {
  return json{{"user_id", user}, {"ts", ms}}.dump();
}

TEST(WindowClock, AnEventIsLateOnceItsWindowEndPlusLatenessIsAtOrBeforeThePartitionsWatermark) {
  const auto view = ViewDefinition::parse(kWindowed);  // 60 s windows, 10 s lateness
  Fold fold{view};
  EXPECT_EQ(fold(0, at(kT + 5000)).kind, Outcome::Kind::Applied);
  EXPECT_EQ(fold(0, at(kT + 69999)).kind, Outcome::Kind::Applied);  // watermark end + 9.999 s
  EXPECT_EQ(fold(0, at(kT + 1000)).kind, Outcome::Kind::Applied);   // out of order, within lateness
  EXPECT_EQ(fold.count(0, "u@" + std::to_string(kT)), 2);
  EXPECT_EQ(fold(0, at(kT + 70000)).kind, Outcome::Kind::Applied);  // watermark = end + lateness
  const auto late = fold(0, at(kT + 2000));
  EXPECT_EQ(late.kind, Outcome::Kind::Bad);
  EXPECT_EQ(late.reason, BadReason::Late);
  EXPECT_NE(late.detail.find("is in window [2026-12-07T05:30:00.000Z, 2026-12-07T05:31:00.000Z), closed"),
            std::string::npos)
      << late.detail;
  EXPECT_EQ(fold.count(0, "u@" + std::to_string(kT)), 2);  // not folded
  // A late event does not move the watermark; other partitions have their own.
  EXPECT_EQ(fold.clock.watermark(0), kT + 70000);
  EXPECT_EQ(fold(1, at(kT + 2000, "v")).kind, Outcome::Kind::Applied);
  EXPECT_FALSE(fold.clock.watermark(2).has_value());
  // The watermark changes go to the next transaction once.
  const auto changed = fold.clock.take_changed();
  EXPECT_EQ(changed.size(), 2u);
  EXPECT_TRUE(fold.clock.take_changed().empty());
}

TEST(WindowClock, EvictsAWindowOnceTheWatermarkPassesEndPlusLatenessPlusRetention) {
  const auto view = ViewDefinition::parse(kWindowed);  // horizon 60 + 10 + 120 s
  Fold fold{view};
  fold(0, at(kT + 1000, "a"));
  fold(0, at(kT + 2000, "b"));
  fold(0, at(kT + 61000, "a"));
  std::vector<std::string> evicted;
  const auto note = [&](const std::string& key) { evicted.push_back(key); };
  fold(0, at(kT + 189999, "c"));
  EXPECT_EQ(fold.clock.evict(0, fold.store, note), 0u);
  fold(0, at(kT + 190000, "c"));
  EXPECT_EQ(fold.clock.evict(0, fold.store, note), 2u);
  EXPECT_EQ(evicted, (std::vector<std::string>{"a@" + std::to_string(kT), "b@" + std::to_string(kT)}));
  EXPECT_EQ(fold.count(0, "a@" + std::to_string(kT)), -1);
  EXPECT_EQ(fold.count(0, "a@" + std::to_string(kT + 60000)), 1);
  EXPECT_EQ(fold.store.key_count(), 2u);
  EXPECT_EQ(fold.clock.open_keys(0), 2u);
  // Restored from the store's keys (a restart): the same windows open.
  WindowClock restored(*view.window);
  restored.load(0, fold.store, kT + 190000);
  EXPECT_EQ(restored.open_keys(0), 2u);
  EXPECT_EQ(restored.watermark(0), kT + 190000);
  EXPECT_TRUE(restored.take_changed().empty());  // a loaded watermark is already in the changelog
}

TEST(WindowClock, StateStaysBoundedOnAnEndlessStreamOfAdvancingTime) {
  const auto view = ViewDefinition::parse(kWindowed);
  Fold fold{view};
  std::size_t most_keys = 0, evicted = 0;
  // 100 users, one event each per second, for 2 days of event time: 17.28 M
  // events would be too slow for a unit test, so one event per user every
  // 20 s (864,000 events); a "commit" (eviction) every 1000 events.
  std::int64_t ms = kT;
  for (int i = 0; i < 864000; ++i) {
    if (i % 100 == 0) ms += 20000;
    fold(i % 100 % 3, at(ms + i % 100, "u" + std::to_string(i % 100)));  // a user's events: one partition
    if (i % 1000 == 999) {
      for (int32_t p = 0; p < 3; ++p) evicted += fold.clock.evict(p, fold.store, [](const std::string&) {});
      most_keys = std::max(most_keys, fold.store.key_count());
    }
  }
  // Kept: windows within 60 + 10 + 120 s of the watermark, about 4 per user.
  EXPECT_LE(most_keys, 100u * 5);
  EXPECT_GT(evicted, 100u * 2800);  // 2880 windows per user in 2 days
  EXPECT_EQ(fold.store.key_count(), fold.clock.open_keys(0) + fold.clock.open_keys(1) + fold.clock.open_keys(2));
}

TEST(WindowedRows, NameTheirWindowInRfc3339) {
  const auto view = ViewDefinition::parse(kWindowed);
  KeyState state = initial_key_state(view);
  std::get<CountState>(state.aggregates[0]).count = 3;
  const auto row = render_row(view, "u@x@" + std::to_string(kT), state);
  EXPECT_EQ(json::parse(row), (json{{"window_start", "2026-12-07T05:30:00.000Z"},
                                    {"window_end", "2026-12-07T05:31:00.000Z"},
                                    {"n", 3},
                                    {"revenue", 0}}));
  EXPECT_EQ(render_row(view, "u@-60000", state).substr(0, 45), R"({"window_start":"1969-12-31T23:59:00.000Z","w)");
  const auto plain = ViewDefinition::parse(R"({"key": "k", "aggregates": {"n": {"op": "count"}}})");
  EXPECT_EQ(render_row(plain, "k@5", initial_key_state(plain)), R"({"n":0})");
  // Watermark records round-trip and belong to their view.
  EXPECT_EQ(decode_watermark(view, encode_watermark(view, -5)), -5);
  EXPECT_THROW(decode_watermark(plain, encode_watermark(view, 5)), std::invalid_argument);
  EXPECT_THROW(decode_watermark(view, encode_state(view, state)), std::invalid_argument);
}

TEST(WindowedMergedView, MergesPerKeyAndWindow) {
  const auto view = ViewDefinition::parse(kWindowed);
  ServingTable table;
  MergedView merged(view, table);
  KeyState two = initial_key_state(view), three = initial_key_state(view);
  std::get<CountState>(two.aggregates[0]).count = 2;
  std::get<CountState>(three.aggregates[0]).count = 3;
  const std::string key = "u@" + std::to_string(kT);
  merged.apply(MergedView::Layer::Batch, key, encode_state(view, two));
  merged.apply(MergedView::Layer::Speed, key, encode_state(view, three));
  merged.apply(MergedView::Layer::Speed, "u@" + std::to_string(kT + 60000), encode_state(view, three));
  EXPECT_EQ(json::parse(*table.get(key))["n"], 5);
  EXPECT_EQ(json::parse(*table.get(key))["window_start"], "2026-12-07T05:30:00.000Z");
  EXPECT_EQ(table.windows("u").size(), 2u);
}

http::Request get(std::vector<std::string> segments) {
  http::Request r;
  r.method = "GET";
  for (const auto& s : segments) r.path += "/" + s;
  r.segments = std::move(segments);
  return r;
}

class WindowedServing : public ::testing::Test {
 protected:
  WindowedServing() {
    put("u", kT, 1);
    put("u", kT + 120000, 3);
    put("u", kT + 60000, 2);
    put("u@x", kT, 9);  // another key, containing '@'
    put("v", -60000, 4);
    hooks_.window_size_ms = 60000;
  }
  void put(const std::string& key, std::int64_t start, int n) {
    std::string state_key = key;
    et::append_window_suffix(state_key, start);
    table_.upsert(state_key, json{{"window_start", et::format_rfc3339(start)}, {"n", n}}.dump());
  }
  ServingTable table_;
  ServingApi::Hooks hooks_;
};

TEST_F(WindowedServing, AKeyListsItsWindowsNewestFirst) {
  const ServingApi api(table_, hooks_);
  const auto response = api.handle(get({"v1", "keys", "u"}));
  ASSERT_EQ(response.status, 200) << response.body;
  const auto body = json::parse(response.body);
  EXPECT_EQ(body["key"], "u");
  ASSERT_EQ(body["windows"].size(), 3u);
  EXPECT_EQ(body["windows"][0]["start"], "2026-12-07T05:32:00.000Z");
  EXPECT_EQ(body["windows"][0]["end"], "2026-12-07T05:33:00.000Z");
  EXPECT_EQ(body["windows"][0]["value"]["n"], 3);
  EXPECT_EQ(body["windows"][2]["value"]["n"], 1);
  const auto with_at = json::parse(api.handle(get({"v1", "keys", "u@x"})).body);
  ASSERT_EQ(with_at["windows"].size(), 1u);
  EXPECT_EQ(with_at["windows"][0]["value"]["n"], 9);
  EXPECT_EQ(api.handle(get({"v1", "keys", "w"})).status, 404);
  EXPECT_EQ(api.handle(get({"v1", "keys", "u@x@" + std::to_string(kT)})).status, 404);  // a state key is no view key
}

TEST_F(WindowedServing, OneWindowByEpochMillisecondsOrRfc3339) {
  const ServingApi api(table_, hooks_);
  for (const auto& start : {std::to_string(kT + 60000), std::string("2026-12-07T05:31:00Z"),
                            std::string("2026-12-07T06:31:00.000+01:00")}) {
    const auto response = api.handle(get({"v1", "keys", "u", "windows", start}));
    ASSERT_EQ(response.status, 200) << start << ": " << response.body;
    EXPECT_EQ(json::parse(response.body),
              (json{{"key", "u"},
                    {"start", "2026-12-07T05:31:00.000Z"},
                    {"end", "2026-12-07T05:32:00.000Z"},
                    {"value", {{"window_start", "2026-12-07T05:31:00.000Z"}, {"n", 2}}}}));
  }
  EXPECT_EQ(json::parse(api.handle(get({"v1", "keys", "v", "windows", "-60000"})).body)["value"]["n"], 4);
  const auto absent = api.handle(get({"v1", "keys", "u", "windows", std::to_string(kT + 180000)}));
  EXPECT_EQ(absent.status, 404);
  EXPECT_NE(json::parse(absent.body)["error"].get<std::string>().find("no window of key u starts at"),
            std::string::npos);
  const auto unaligned = api.handle(get({"v1", "keys", "u", "windows", std::to_string(kT + 1)}));
  EXPECT_EQ(unaligned.status, 400);
  EXPECT_NE(unaligned.body.find("not a window start"), std::string::npos) << unaligned.body;
  for (const char* bad : {"soon", "", "12abc", "99999999999999999999", "2026-12-07T05:31:00"}) {
    const auto response = api.handle(get({"v1", "keys", "u", "windows", bad}));
    EXPECT_EQ(response.status, 400) << bad;
    EXPECT_NE(response.body.find("neither epoch milliseconds nor an RFC 3339 time"), std::string::npos) << bad;
  }
  EXPECT_EQ(api.handle(get({"v1", "keys", "u", "panes", "0"})).status, 404);
}

TEST_F(WindowedServing, ListsOneItemPerWindowAndTheUnwindowedApiIsUnchanged) {
  const ServingApi api(table_, hooks_);
  const auto page = json::parse(api.handle(get({"v1", "keys"})).body);
  ASSERT_EQ(page["items"].size(), 5u);
  EXPECT_EQ(page["items"][0]["key"], "u");
  EXPECT_EQ(page["next"], nullptr);
  // Without window_size_ms, the same table is served as plain keys.
  const ServingApi plain(table_, ServingApi::Hooks{});
  EXPECT_EQ(plain.handle(get({"v1", "keys", "u"})).status, 404);
  EXPECT_EQ(plain.handle(get({"v1", "keys", "u", "windows", "0"})).status, 404);
  EXPECT_EQ(plain.handle(get({"v1", "keys", "u@" + std::to_string(kT)})).status, 200);
}

}  // namespace
}  // namespace kappa::processor
