#include "core/dead_letter.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "core/limits.h"

namespace kappa::processor {
namespace {

std::map<std::string, std::string> headers_of(const DeadLetter& letter) {
  return {letter.headers.begin(), letter.headers.end()};
}

constexpr std::size_t kMax = 1000000;  // librdkafka's default message.max.bytes
const BadRecordOrigin kOrigin{"events", 3, 42};

TEST(DeadLetter, ASmallBadRecordIsCopiedWholeWithItsOrigin) {
  const auto letter = make_dead_letter("u1", R"({"user_id": 1.5})", "invalid_key", "not a key", kOrigin, kMax);
  EXPECT_EQ(letter.key, "u1");
  EXPECT_EQ(letter.value, R"({"user_id": 1.5})");
  EXPECT_EQ(headers_of(letter), (std::map<std::string, std::string>{{"kappa.error.reason", "invalid_key"},
                                                                    {"kappa.error.detail", "not a key"},
                                                                    {"kappa.source.topic", "events"},
                                                                    {"kappa.source.partition", "3"},
                                                                    {"kappa.source.offset", "42"}}));
}

TEST(DeadLetter, TheDetailHeaderIsAtMostAKilobyte) {
  const auto letter = make_dead_letter("u1", "{}", "invalid_key", std::string(600000, 'd'), kOrigin, kMax);
  const auto detail = headers_of(letter).at("kappa.error.detail");
  EXPECT_LE(detail.size(), limits::kMaxDetailBytes);
  EXPECT_NE(detail.find("600000 bytes, cut"), std::string::npos) << detail;
}

TEST(DeadLetter, APayloadThatDoesNotFitIsCutAndSaysSo) {
  const std::string value(999990, 'v');  // fits Kafka alone, not with headers
  const auto letter = make_dead_letter("u1", value, "too_deep", "deep", kOrigin, kMax);
  EXPECT_LE(letter.size(), kMax);
  EXPECT_GT(letter.value.size(), kMax - 2048);  // only what had to go
  EXPECT_EQ(letter.value, value.substr(0, letter.value.size()));
  EXPECT_EQ(headers_of(letter).at("kappa.payload.truncated"), "999990");
  EXPECT_EQ(headers_of(letter).count("kappa.key.truncated"), 0u);
}

TEST(DeadLetter, AHugeKeyIsCutFirst) {
  const std::string key(900000, 'k');
  const auto letter = make_dead_letter(key, std::string(500000, 'v'), "too_large", "big", kOrigin, kMax);
  EXPECT_LE(letter.size(), kMax);
  EXPECT_EQ(letter.key.size(), 1024u);
  EXPECT_EQ(headers_of(letter).at("kappa.key.truncated"), "900000");
  EXPECT_EQ(letter.value.size(), 500000u);  // then the payload fits whole
  EXPECT_EQ(headers_of(letter).count("kappa.payload.truncated"), 0u);
}

TEST(DeadLetter, FitsEvenASmallMessageLimit) {
  const auto letter = make_dead_letter(std::string(5000, 'k'), std::string(5000, 'v'), "too_deep",
                                       std::string(5000, 'd'), kOrigin, 4000);
  EXPECT_LE(letter.size(), 4000u);
}

TEST(Shorten, CutsAtACharacterBoundaryAndNotesTheSize) {
  EXPECT_EQ(limits::shorten("short", 10), "short");
  std::string text;
  for (int i = 0; i < 1000; ++i) text += "\xC3\xA9";  // é, two bytes
  const auto cut = limits::shorten(text, 101);
  EXPECT_LE(cut.size(), 101u);
  const auto kept = cut.substr(0, cut.find("..."));
  EXPECT_EQ(kept.size() % 2, 0u) << "a character was split";
  EXPECT_NE(cut.find("(2000 bytes, cut)"), std::string::npos) << cut;
}

}  // namespace
}  // namespace kappa::processor
