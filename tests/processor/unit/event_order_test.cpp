// The event order of a repartitioned input (core/event_order.h): timestamp,
// then input partition, then input offset; its header bytes sort as it does.
#include "core/event_order.h"

#include <gtest/gtest.h>

#include <cstring>
#include <limits>
#include <random>
#include <vector>

namespace kappa::processor {
namespace {

int sign(int value) { return (value > 0) - (value < 0); }
int sign(std::strong_ordering order) { return order < 0 ? -1 : order > 0 ? 1 : 0; }

TEST(EventOrder, TimestampFirstThenPartitionThenOffset) {
  EXPECT_LT((EventOrder{5, 3, 900}), (EventOrder{6, 0, 0}));      // a later time wins whatever the partition
  EXPECT_LT((EventOrder{5, 0, 900}), (EventOrder{5, 1, 0}));      // same time: the higher partition
  EXPECT_LT((EventOrder{5, 1, 10}), (EventOrder{5, 1, 11}));      // same partition: the later offset
  EXPECT_LT((EventOrder{-1, 9, 9}), (EventOrder{0, 0, 0}));       // times before 1970 come first
  EXPECT_EQ((EventOrder{5, 1, 10}), (EventOrder{5, 1, 10}));
  EXPECT_LE(EventOrder{}, (EventOrder{std::numeric_limits<std::int64_t>::min(), 0, 0}));  // the default is the first
}

TEST(EventOrder, HeaderBytesSortAsTheOrdersAndRoundTrip) {
  std::mt19937_64 random(20);
  const std::vector<std::int64_t> times = {std::numeric_limits<std::int64_t>::min(), -1000, -1, 0, 1, 255, 256,
                                           1733550000000, std::numeric_limits<std::int64_t>::max()};
  std::vector<EventOrder> orders;
  for (const auto t : times) {
    for (const std::uint32_t p : {0u, 1u, 255u, 256u, 0xffffffffu}) {
      for (const std::uint64_t o : {0ull, 1ull, 0x100ull, 0xffffffffffffffffull}) orders.push_back({t, p, o});
    }
  }
  for (int i = 0; i < 200; ++i) {
    orders.push_back({static_cast<std::int64_t>(random()), static_cast<std::uint32_t>(random()), random()});
  }
  for (const auto& a : orders) {
    const auto bytes = encode_order(a);
    ASSERT_EQ(decode_order(std::string_view(bytes.data(), bytes.size())), a);
    for (const auto& b : orders) {
      const auto other = encode_order(b);
      ASSERT_EQ(sign(std::memcmp(bytes.data(), other.data(), kOrderBytes)), sign(a <=> b))
          << a.timestamp_ms << "/" << a.partition << "/" << a.offset << " vs " << b.timestamp_ms << "/"
          << b.partition << "/" << b.offset;
    }
  }
}

TEST(EventOrder, RefusesHeadersOfAnotherSize) {
  const auto bytes = encode_order({1, 2, 3});
  EXPECT_FALSE(decode_order(std::string_view(bytes.data(), kOrderBytes - 1)));
  EXPECT_FALSE(decode_order(std::string(kOrderBytes + 1, '\0')));
  EXPECT_FALSE(decode_order(""));
}

}  // namespace
}  // namespace kappa::processor
