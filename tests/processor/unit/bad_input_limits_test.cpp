// Security item 3: one bad event must not crash the processor. Events too
// deep or too large are bad records with a reason (never a stack overflow
// in a recursive parse, copy or dump), and a distinct set cannot grow past
// what one changelog record can hold.
#include <gtest/gtest.h>

#include <map>
#include <ostream>
#include <string>

#include "core/aggregator.h"
#include "core/event_fields.h"
#include "core/limits.h"
#include "core/state_codec.h"

namespace kappa::processor {
namespace {

// Events through an Aggregator into a key -> state map, as the loop folds them.
class Stream {
 public:
  explicit Stream(const std::string& view_json) : view_(ViewDefinition::parse(view_json)), aggregator_(view_) {}

  Outcome feed(const std::string& payload) {
    return aggregator_.process(payload, [&](const HashedText& key) -> KeyState& {
      return states_.try_emplace(std::string(key.text), initial_key_state(view_)).first->second;
    });
  }
  const KeyState* state(const std::string& key) const {
    const auto it = states_.find(key);
    return it == states_.end() ? nullptr : &it->second;
  }
  std::string row(const std::string& key) const { return render_output(view_, *state(key)); }
  std::string changelog(const std::string& key) const { return encode_state(view_, *state(key)); }

 private:
  ViewDefinition view_;
  Aggregator aggregator_;
  std::map<std::string, KeyState> states_;
};

constexpr const char* kView = R"({"key": "user_id", "aggregates": {
    "events": {"op": "count"},
    "sessions": {"op": "count_distinct", "field": "session_id", "optional": true},
    "last_page": {"op": "last", "field": "page", "optional": true}}})";

// `depth` nested arrays; `closed`: with their closing brackets.
std::string nested(std::size_t depth, bool closed = true) {
  return std::string(depth, '[') + (closed ? std::string(depth, ']') : std::string());
}

// A good event for `user` after every bad one: the stream goes on, exact.
void expect_stream_goes_on(Stream& stream) {
  const auto outcome = stream.feed(R"({"user_id": "u1", "session_id": "s9", "page": "/after"})");
  ASSERT_EQ(outcome.kind, Outcome::Kind::Applied) << outcome.detail;
  EXPECT_EQ(stream.row("u1"), R"({"events":2,"last_page":"/after","sessions":2})");
}

struct Shape {
  const char* name;
  std::string event;
};
void PrintTo(const Shape& shape, std::ostream* out) { *out << shape.name; }  // not the megabyte

class DeepEvent : public ::testing::TestWithParam<Shape> {};

TEST_P(DeepEvent, IsABadRecordTooDeepNotACrash) {
  Stream stream(kView);
  ASSERT_EQ(stream.feed(R"({"user_id": "u1", "session_id": "s1", "page": "/first"})").kind, Outcome::Kind::Applied);
  const auto outcome = stream.feed(GetParam().event);
  EXPECT_EQ(outcome.kind, Outcome::Kind::Bad);
  EXPECT_EQ(to_string(outcome.reason), "too_deep") << outcome.detail.substr(0, 200);
  EXPECT_LT(outcome.detail.size(), 1024u);
  EXPECT_EQ(stream.row("u1"), R"({"events":1,"last_page":"/first","sessions":1})");
  expect_stream_goes_on(stream);
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, DeepEvent,
    ::testing::Values(
        // 70,000 deep (140 KB) as the `last` value, and as the key.
        Shape{"last 70k", R"({"user_id": "u1", "page": )" + nested(70000) + "}"},
        Shape{"key 70k", R"({"user_id": )" + nested(70000) + R"(, "page": "/x"})"},
        // 500,000 deep (1 MB): closed, unclosed, inside an unread member.
        Shape{"last 500k", R"({"user_id": "u1", "page": )" + nested(500000) + "}"},
        Shape{"last 500k unclosed", R"({"user_id": "u1", "page": )" + nested(500000, false)},
        Shape{"unread 500k", R"({"user_id": "u1", "unread": )" + nested(500000) + "}"},
        Shape{"objects 150k", [] {  // 5 bytes a level: 150,000 levels within the size limit
                std::string deep = R"({"user_id": "u1", "page": )";
                for (int i = 0; i < 150000; ++i) deep += R"({"a":)";
                return deep + "1" + std::string(150000, '}') + "}";
              }()},
        // A whole event that is only brackets.
        Shape{"brackets 500k", nested(500000)}));

TEST(EventLimits, NestingUpToTheLimitIsStillAValue) {
  Stream stream(kView);
  const std::string page = nested(200);
  const auto outcome = stream.feed(R"({"user_id": "u1", "page": )" + page + "}");
  ASSERT_EQ(outcome.kind, Outcome::Kind::Applied) << outcome.detail;
  EXPECT_EQ(stream.row("u1"), R"({"events":1,"last_page":)" + page + R"(,"sessions":0})");
  EXPECT_NE(stream.changelog("u1").find(page), std::string::npos);
}

TEST(EventLimits, EventFieldsSaysWhichLimit) {
  EventFields fields;
  fields.add(FieldPath::parse("a"));
  EXPECT_EQ(fields.parse(R"({"a": )" + nested(513) + "}"), EventFields::Result::TooDeep);
  EXPECT_EQ(fields.parse(R"({"a": )" + nested(511) + "}"), EventFields::Result::Ok);
  EXPECT_EQ(fields.parse(R"({"a": ")" + std::string(limits::kMaxEventBytes, 'x') + R"("})"),
            EventFields::Result::TooLarge);
  EXPECT_EQ(fields.parse(R"({"a": )" + nested(100, false)), EventFields::Result::Malformed);
}

// A `last` value the key's state could not keep is refused whole: its
// changelog record and output row would not fit one Kafka message.
TEST(EventLimits, ALastValueTooLargeToKeepIsABadRecord) {
  Stream stream(kView);
  ASSERT_EQ(stream.feed(R"({"user_id": "u1", "session_id": "s1", "page": "/first"})").kind, Outcome::Kind::Applied);
  const auto outcome = stream.feed(R"({"user_id": "u1", "page": ")" + std::string(900000, 'p') + R"("})");
  EXPECT_EQ(outcome.kind, Outcome::Kind::Bad);
  EXPECT_EQ(to_string(outcome.reason), "state_limit") << outcome.detail;
  std::string array = "[1";
  while (array.size() < 200000) array += ",1";
  array += "]";  // 200 KB: kept (the budget is 256 KB)
  ASSERT_EQ(stream.feed(R"({"user_id": "u1", "page": )" + array + "}").kind, Outcome::Kind::Applied);
  EXPECT_LT(stream.changelog("u1").size(), 600u * 1024);
}

TEST(EventLimits, AnEventOverTheSizeLimitIsABadRecordTooLarge) {
  Stream stream(kView);
  ASSERT_EQ(stream.feed(R"({"user_id": "u1", "session_id": "s1", "page": "/first"})").kind, Outcome::Kind::Applied);
  const std::string huge = R"({"user_id": "u1", "page": ")" + std::string(2u << 20, 'x') + R"("})";
  const auto outcome = stream.feed(huge);
  EXPECT_EQ(outcome.kind, Outcome::Kind::Bad);
  EXPECT_EQ(to_string(outcome.reason), "too_large") << outcome.detail.substr(0, 200);
  EXPECT_LT(outcome.detail.size(), 1024u);
  expect_stream_goes_on(stream);
}

TEST(EventLimits, ADetailIsShortWhateverTheEventHolds) {
  // The invalid key is named in the detail, shortened: the detail goes into
  // a dead-letter header.
  Stream stream(kView);
  std::string key = "[0";
  while (key.size() < 600000) key += ",1234567";
  key += "]";
  const auto outcome = stream.feed(R"({"user_id": )" + key + "}");
  EXPECT_EQ(outcome.kind, Outcome::Kind::Bad);
  EXPECT_EQ(outcome.reason, BadReason::InvalidKey);
  EXPECT_LE(outcome.detail.size(), 1024u);
}

// The view key is the key of the output row and of the changelog record.
TEST(EventLimits, AKeyOverTheLimitIsInvalid) {
  Stream stream(kView);
  const auto outcome = stream.feed(R"({"user_id": ")" + std::string(999000, 'k') + R"("})");
  EXPECT_EQ(outcome.kind, Outcome::Kind::Bad);
  EXPECT_EQ(outcome.reason, BadReason::InvalidKey);
  EXPECT_EQ(stream.feed(R"({"user_id": ")" + std::string(4096, 'k') + R"("})").kind, Outcome::Kind::Applied);
}

// 60,000 distinct 40-byte sessions for one key: 2.5 MB of distinct set, far
// more than one Kafka message holds. The set stops growing; the events that
// would grow it further are bad records, and the changelog record fits.
TEST(DistinctLimit, ASetStopsGrowingBeforeItsRecordOutgrowsAMessage) {
  Stream stream(kView);
  std::size_t applied = 0, limited = 0;
  for (int i = 0; i < 60000; ++i) {
    const std::string session = "session-" + std::to_string(1000000 + i) + std::string(24, 'x');
    const auto outcome = stream.feed(R"({"user_id": "big", "session_id": ")" + session + R"("})");
    if (outcome.kind == Outcome::Kind::Applied) {
      ++applied;
    } else {
      ASSERT_EQ(to_string(outcome.reason), "state_limit") << outcome.detail;
      ++limited;
    }
  }
  EXPECT_GT(limited, 0u);
  EXPECT_GT(applied, 5000u);
  EXPECT_LT(stream.changelog("big").size(), 600u * 1024);
  EXPECT_EQ(stream.row("big"), R"({"events":)" + std::to_string(applied) + R"(,"last_page":null,"sessions":)" +
                                   std::to_string(applied) + "}");
  // A value already in the full set still counts; other keys are untouched.
  const std::string first = "session-1000000" + std::string(24, 'x');
  EXPECT_EQ(stream.feed(R"({"user_id": "big", "session_id": ")" + first + R"("})").kind, Outcome::Kind::Applied);
  EXPECT_EQ(stream.feed(R"({"user_id": "u1", "session_id": "s1", "page": "/p"})").kind, Outcome::Kind::Applied);
  EXPECT_EQ(stream.row("u1"), R"({"events":1,"last_page":"/p","sessions":1})");
}

// After a restart the state comes from the changelog: the limit holds there
// too (a replay refuses the same events).
TEST(DistinctLimit, ARestoredStateIsAsFull) {
  Stream stream(kView);
  const auto session = [](int i) { return "session-" + std::to_string(1000000 + i) + std::string(24, 'x'); };
  int i = 0;
  while (stream.feed(R"({"user_id": "big", "session_id": ")" + session(i) + R"("})").kind == Outcome::Kind::Applied) ++i;
  const auto view = ViewDefinition::parse(kView);
  auto restored = decode_state(view, stream.changelog("big"));
  EXPECT_EQ(restored.distinct_bytes, stream.state("big")->distinct_bytes);
  Aggregator aggregator(view);
  PreparedEvent event;
  aggregator.prepare(R"({"user_id": "big", "session_id": ")" + session(i) + R"("})", event);
  ASSERT_EQ(event.outcome.kind, Outcome::Kind::Applied);
  EXPECT_FALSE(aggregator.fold(event, restored));
  aggregator.prepare(R"({"user_id": "big", "session_id": ")" + session(0) + R"("})", event);
  EXPECT_TRUE(aggregator.fold(event, restored));  // one it has
}

TEST(DistinctLimit, AMemberLargerThanTheWholeBudgetIsRejectedUpFront) {
  Stream stream(kView);
  const auto outcome =
      stream.feed(R"({"user_id": "u1", "session_id": ")" + std::string(900000, 's') + R"("})");
  EXPECT_EQ(outcome.kind, Outcome::Kind::Bad);
  EXPECT_EQ(to_string(outcome.reason), "state_limit");
  EXPECT_EQ(stream.state("u1"), nullptr);  // no key created for it
}

}  // namespace
}  // namespace kappa::processor
