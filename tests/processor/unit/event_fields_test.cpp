#include "core/event_fields.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace kappa::processor {
namespace {

using nlohmann::json;

// The fields of `paths` in `event`, as nlohmann::json::parse followed by
// FieldPath::find gives them: the reference EventFields must agree with.
std::vector<json> reference(const std::vector<std::string>& paths, const std::string& event) {
  const auto doc = json::parse(event);
  std::vector<json> out;
  for (const auto& path : paths) {
    const auto* value = FieldPath::parse(path).find(doc);
    out.push_back(value ? *value : json("<absent>"));
  }
  return out;
}

std::vector<json> extracted(const std::vector<std::string>& paths, const std::string& event,
                            EventFields::Result expected = EventFields::Result::Ok) {
  EventFields fields;
  std::vector<FieldPath> parsed;
  for (const auto& path : paths) parsed.push_back(FieldPath::parse(path));
  std::vector<std::size_t> slots;
  for (const auto& path : parsed) slots.push_back(fields.add(path));
  EXPECT_EQ(fields.parse(event), expected) << event;
  std::vector<json> out;
  for (const auto slot : slots) {
    const auto* value = fields.get(slot);
    out.push_back(value ? value->to_json() : json("<absent>"));
  }
  return out;
}

// Same value and same JSON type (5 and 5.0 differ here).
void expect_same(const std::vector<json>& actual, const std::vector<json>& expected, const std::string& event) {
  ASSERT_EQ(actual.size(), expected.size());
  for (std::size_t i = 0; i < actual.size(); ++i) {
    EXPECT_EQ(actual[i].type(), expected[i].type()) << event << " field " << i;
    EXPECT_EQ(actual[i].dump(), expected[i].dump()) << event << " field " << i;
  }
}

TEST(EventFields, FindsWhatParseAndFindFind) {
  const std::vector<std::string> paths = {"user_id", "revenue", "session_id", "user.id", "user", "tags", "n",
                                          "missing", "a.b.c"};
  for (const std::string event : {
           R"({"user_id":"u1","revenue":12.5,"session_id":"s-1","ts":1700000000000})",
           R"( { "user_id" : 42 , "revenue" : -3 , "user" : {"id": "x", "name": "y"}, "tags": [1, "a", {"b": null}] } )",
           R"({"user":{"id":{"deep":[1,2]}},"n":null,"a":{"b":{"c":true}}})",
           R"({"user":"flat","a":[{"b":{"c":1}}],"revenue":1e3,"n":-0,"session_id":18446744073709551615})",
           R"({"revenue":-9223372036854775808,"n":0.1,"user_id":"\u00e9t\u00e9 \"quoted\"","tags":[]})",
           R"({"user_id":"caf\u00e9","session_id":"naïve","user":{},"revenue":123456789012345678901234567890})",
           "{\"user_id\":\"u\",\r\n\t\"revenue\":1.7976931348623157e308,\"n\":5e-324}",
           R"({"user_id":"first","user_id":"second","user":{"id":"a"},"user":{"name":"b"}})",
           R"({"user":{"id":"a"},"user":"scalar"})",
           R"({"a":{"b":{"c":1}},"a":{"b":2}})",
           R"({"tags":[1,{"x":2}],"tags":5,"a":{"b":{"c":1}},"a":5})",
           R"({"n":7,"n":{"k":[1]},"user_id":"x","user_id":{"y":1},"revenue":{},"revenue":true})",
       }) {
    expect_same(extracted(paths, event), reference(paths, event), event);
  }
}

TEST(EventFields, NumbersNobodyReadsAreStillChecked) {
  // Skipped without conversion, but valid exactly when nlohmann says so: an
  // integer of 250 digits is a finite double, one of 400 digits overflows.
  const auto with_unread = [](const std::string& number) { return R"({"a":1,"unread":)" + number + "}"; };
  for (const auto& number : {std::string(250, '7'), std::string("-0.000001"), std::string("1e300"),
                             std::string("123456789012345678901234567890")}) {
    const auto event = with_unread(number);
    expect_same(extracted({"a"}, event), reference({"a"}, event), event);
  }
  for (const auto& number : {std::string(400, '7'), std::string("1e999"), std::string("-1E+400")}) {
    const auto event = with_unread(number);
    EXPECT_TRUE(json::parse(event, nullptr, false).is_discarded()) << "test case is valid JSON: " << event;
    extracted({"a"}, event, EventFields::Result::Malformed);
  }
}

TEST(EventFields, DecimalsAreRoundedAsStrtodRoundsThem) {
  // The quick path for short decimals must give strtod's double, bit for bit.
  std::vector<std::string> numbers = {"0.1", "0.2", "0.3", "1.005", "-2.675", "9007199254740.993", "0.000001",
                                      "123456789012.345", "999999999999999.9", "1.7976931348623157", "5e-324",
                                      "0.0000000000000000000001", "0.00000000000000000000001", "100.10", "-0.5"};
  uint64_t x = 88172645463325252ULL;  // xorshift: many more, of every length up to 18 digits
  for (int i = 0; i < 20000; ++i) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    const auto digits = 1 + x % 18, point = (x >> 8) % digits;  // digits after the point
    std::string text;
    for (uint64_t d = 0, bits = x; d < digits; ++d, bits /= 10) text += static_cast<char>('0' + bits % 10);
    if (point > 0) text.insert(text.size() - point, ".");
    if (text[0] == '.') text.insert(0, "0");
    while (text.size() > 1 && text[0] == '0' && text[1] != '.') text.erase(0, 1);  // no leading zeros in JSON
    numbers.push_back((x >> 5) % 2 ? "-" + text : text);
  }
  for (const auto& number : numbers) {
    const std::string event = R"({"a":)" + number + "}";
    expect_same(extracted({"a"}, event), reference({"a"}, event), event);
  }
}

TEST(EventFields, OneSlotPerPath) {
  EventFields fields;
  const auto a = fields.add(FieldPath::parse("user.id"));
  const auto b = fields.add(FieldPath::parse("user"));
  EXPECT_EQ(fields.add(FieldPath::parse("user.id")), a);
  EXPECT_NE(a, b);
}

TEST(EventFields, RejectsWhatParseRejects) {
  for (const std::string event : {R"({"user_id": "u1", "reven)", "not json", "{", R"({"a":1,})", R"({"a":01})",
                                  R"({"a":1.})", R"({"a":.5})", R"({"a":+1})", R"({"a":1e})", R"({"a":"x" "b":1})",
                                  R"({"a":tru})", R"({"a":nul})", "{\"a\":\"tab\there\"}", R"({"a":"\x"})",
                                  "{\"a\":\"\xff\"}", R"({"a":1e999})", R"({"a":1} x)", R"({'a':1})", "   ",
                                  R"({"a":[1,]})", R"({"a":[1 2]})", R"({"a" 1})", R"({1:2})",
                                  R"({"a":1,"unread":1e999})", R"({"a":1,"unread":-1E+400})"}) {
    EXPECT_TRUE(json::parse(event, nullptr, false).is_discarded()) << "test case is valid JSON: " << event;
    extracted({"a"}, event, EventFields::Result::Malformed);
  }
}

TEST(EventFields, TellsANonObjectEvent) {
  for (const std::string event : {R"([{"a":1}])", R"("a")", "5", "null", "true", "[]"}) {
    const auto values = extracted({"a"}, event, EventFields::Result::NotAnObject);
    EXPECT_EQ(values[0], "<absent>") << event;
  }
}

TEST(EventFields, ForgetsThePreviousEvent) {
  EventFields fields;
  const auto slot = fields.add(FieldPath::parse("a"));
  ASSERT_EQ(fields.parse(R"({"a":"x"})"), EventFields::Result::Ok);
  ASSERT_NE(fields.get(slot), nullptr);
  EXPECT_EQ(fields.get(slot)->text, "x");
  ASSERT_EQ(fields.parse(R"({"b":"x"})"), EventFields::Result::Ok);
  EXPECT_EQ(fields.get(slot), nullptr);
  ASSERT_EQ(fields.parse(R"({"a":"y", "b": )"), EventFields::Result::Malformed);
  EXPECT_EQ(fields.get(slot), nullptr);
}

TEST(EventFields, DeepNestingIsLeftToNlohmann) {
  // Beyond the fast path's depth: nlohmann's parser reads it.
  std::string event = R"({"a":"v","x":)";
  for (int i = 0; i < 200; ++i) event += "[";
  for (int i = 0; i < 200; ++i) event += "]";
  event += "}";
  expect_same(extracted({"a"}, event), {json("v")}, event);
}

// Differential: events mutated at random (bytes dropped, repeated or
// replaced by JSON-significant ones) must be accepted or rejected exactly
// as nlohmann::json::parse decides, with the same values when accepted.
// One EventFields reads them all, as the processor does, so state left from
// one event cannot leak into the next.
TEST(EventFields, AgreesWithNlohmannOnMutatedEvents) {
  const std::vector<std::string> paths = {"user_id", "revenue", "session_id", "user.id", "tags", "n"};
  const std::vector<std::string> seeds = {
      R"({"user_id":"u0000042","type":"view","page":"/p/7","session_id":"u0000042-s3","revenue":12.34,"ts":1700000000123})",
      R"({ "user_id" : 7, "user": {"id": "x", "tags": [1, {"a": null}]}, "n": -0.5e2, "tags": ["a", true, false] })",
      R"({"revenue":1e3,"session_id":18446744073709551615,"user_id":"café","n":null,"user":{"id":[]}})",
  };
  const std::string alphabet = "{}[]\\\":,.-+eE0123456789 \t\ntruefalsnul\x80\xff";
  EventFields fields;
  std::vector<std::size_t> slots;
  for (const auto& path : paths) slots.push_back(fields.add(FieldPath::parse(path)));
  std::mt19937 random(11);
  int accepted = 0, rejected = 0;
  for (int i = 0; i < 30000; ++i) {
    std::string event = seeds[random() % seeds.size()];
    for (int edits = 1 + static_cast<int>(random() % 3); edits > 0 && !event.empty(); --edits) {
      const auto at = random() % event.size();
      switch (random() % 3) {
        case 0: event.erase(at, 1); break;
        case 1: event.insert(at, 1, event[at]); break;
        default: event[at] = alphabet[random() % alphabet.size()]; break;
      }
    }
    const auto doc = json::parse(event, nullptr, false);
    const auto result = fields.parse(event);
    if (doc.is_discarded()) {
      ++rejected;
      ASSERT_EQ(result, EventFields::Result::Malformed) << event;
      continue;
    }
    if (!doc.is_object()) {
      ASSERT_EQ(result, EventFields::Result::NotAnObject) << event;
      continue;
    }
    ++accepted;
    ASSERT_EQ(result, EventFields::Result::Ok) << event;
    for (std::size_t p = 0; p < paths.size(); ++p) {
      const auto* expected = FieldPath::parse(paths[p]).find(doc);
      const auto* actual = fields.get(slots[p]);
      ASSERT_EQ(actual != nullptr, expected != nullptr) << event << " field " << paths[p];
      if (expected == nullptr) continue;
      const auto value = actual->to_json();
      ASSERT_EQ(value.type(), expected->type()) << event << " field " << paths[p];
      ASSERT_EQ(value.dump(), expected->dump()) << event << " field " << paths[p];
    }
  }
  // Both sides of the decision were exercised.
  EXPECT_GT(accepted, 1000);
  EXPECT_GT(rejected, 1000);
}

TEST(FieldValue, EqualsAsNlohmannDoes) {
  EventFields fields;
  const auto slot = fields.add(FieldPath::parse("v"));
  const auto value_of = [&](const std::string& event) -> const FieldValue& {
    EXPECT_EQ(fields.parse(event), EventFields::Result::Ok);
    return *fields.get(slot);
  };
  EXPECT_TRUE(value_of(R"({"v":3})").equals(json(3.0)));
  EXPECT_TRUE(value_of(R"({"v":3.0})").equals(json(3)));
  EXPECT_TRUE(value_of(R"({"v":-3})").equals(json(-3)));
  EXPECT_FALSE(value_of(R"({"v":"3"})").equals(json(3)));
  EXPECT_TRUE(value_of(R"({"v":"3"})").equals(json("3")));
  EXPECT_TRUE(value_of(R"({"v":true})").equals(json(true)));
  EXPECT_TRUE(value_of(R"({"v":null})").equals(json(nullptr)));
  EXPECT_TRUE(value_of(R"({"v":{"a":[1]}})").equals(json{{"a", {1}}}));
  EXPECT_FALSE(value_of(R"({"v":[1]})").equals(json{1, 2}));
}

}  // namespace
}  // namespace kappa::processor
