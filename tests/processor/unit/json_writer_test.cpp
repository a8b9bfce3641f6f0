#include "core/json_writer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace kappa::processor {
namespace {

using nlohmann::json;

std::string written(const json& value) {
  std::string out = "prefix:";
  json_writer::append_json(out, value);
  return out.substr(7);
}

TEST(JsonWriter, WritesWhatDumpWrites) {
  for (const json& value :
       {json(nullptr), json(true), json(false), json(0), json(-1), json(std::numeric_limits<std::int64_t>::min()),
        json(std::numeric_limits<std::uint64_t>::max()), json(0.0), json(-0.0), json(1.0), json(41.25), json(0.1),
        json(1e20), json(1e-7), json(123456789012345680.0), json(-2.5e-300), json(5e-324),
        json(std::numeric_limits<double>::max()), json(""), json("plain"), json("quote \" backslash \\ slash /"),
        json("\b\f\n\r\t"), json(std::string("\x01\x1f\x7f nul:\0.", 11)), json("caf\u00e9 \u2603 \U0001F600"),
        json{{"b", 1}, {"a", {1, "x", nullptr}}}, json::array(), json::object()}) {
    EXPECT_EQ(written(value), value.dump()) << value.dump();
  }
}

// Strings of every length around the 8-byte steps, with characters that
// need escaping at every position (the fast path skips plain runs).
TEST(JsonWriter, EscapesAsDumpAtEveryPosition) {
  const std::vector<std::string> pieces = {"a", "Z", "0", " ", "/", "\"", "\\", "\n", "\t", std::string(1, '\0'),
                                           "\x1f", "\x7f", "\xc3\xa9", "\xe2\x98\x83"};
  std::mt19937 random(5);
  for (int i = 0; i < 20000; ++i) {
    std::string text;
    const auto length = random() % 40;
    const bool plain = random() % 2 == 0;  // half of them mostly plain: long skips
    for (std::size_t n = 0; n < length; ++n) text += plain && random() % 16 != 0 ? "x" : pieces[random() % pieces.size()];
    ASSERT_EQ(written(json(text)), json(text).dump()) << json(text).dump();
  }
}

TEST(JsonWriter, NonFiniteDoublesAreNullAsInDump) {
  std::string out;
  json_writer::append_double(out, std::numeric_limits<double>::infinity());
  EXPECT_EQ(out, "null");
  EXPECT_EQ(json(std::numeric_limits<double>::infinity()).dump(), "null");
}

TEST(JsonWriter, DoublesRoundTripAndStayDoubles) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> cents(-1e9, 1e9);
  for (int i = 0; i < 20000; ++i) {
    const double value = i % 2 ? cents(rng) : std::round(cents(rng)) / 100;
    std::string out;
    json_writer::append_double(out, value);
    ASSERT_EQ(out, json(value).dump());
    const auto back = json::parse(out);
    ASSERT_TRUE(back.is_number_float()) << out;
    ASSERT_EQ(back.get<double>(), value) << out;
  }
}

}  // namespace
}  // namespace kappa::processor
