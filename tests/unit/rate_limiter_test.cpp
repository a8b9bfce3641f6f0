#include "kube/rate_limiter.h"

#include <gtest/gtest.h>

#include "support/fake_clock.h"

namespace {

using namespace std::chrono_literals;
using kappa::kube::BucketRateLimiter;
using kappa::kube::ItemExponentialRateLimiter;
using kappa::testing::FakeClock;

TEST(ItemExponentialRateLimiter, DoublesPerFailureUpToTheCap) {
  ItemExponentialRateLimiter limiter(5ms, 1000s);
  EXPECT_EQ(limiter.when("a"), 5ms);
  EXPECT_EQ(limiter.when("a"), 10ms);
  EXPECT_EQ(limiter.when("a"), 20ms);
  EXPECT_EQ(limiter.when("b"), 5ms) << "items back off independently";
  EXPECT_EQ(limiter.retries("a"), 3);
  for (int i = 0; i < 100; ++i) limiter.when("a");
  EXPECT_EQ(limiter.when("a"), 1000s) << "capped, and no overflow after many failures";
}

TEST(ItemExponentialRateLimiter, ForgetResetsTheBackoff) {
  ItemExponentialRateLimiter limiter(5ms, 1000s);
  limiter.when("a");
  limiter.when("a");
  limiter.forget("a");
  EXPECT_EQ(limiter.retries("a"), 0);
  EXPECT_EQ(limiter.when("a"), 5ms);
}

TEST(BucketRateLimiter, AllowsABurstThenSpacesAtQps) {
  auto clock = std::make_shared<FakeClock>();
  BucketRateLimiter limiter(clock, 10.0, 100);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(limiter.when("x"), 0ms) << "burst token " << i;
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::milliseconds>(limiter.when("x")), 100ms);
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::milliseconds>(limiter.when("y")), 200ms)
      << "reservations queue up across items";
  clock->advance(1s);  // refills 10 tokens, 2 were owed
  for (int i = 0; i < 8; ++i) EXPECT_EQ(limiter.when("z"), 0ms);
  EXPECT_GT(limiter.when("z"), 0ms);
}

TEST(DefaultControllerRateLimiter, TakesTheLongerOfBothLimits) {
  auto clock = std::make_shared<FakeClock>();
  auto limiter = kappa::kube::default_controller_rate_limiter(clock);
  EXPECT_EQ(limiter->when("a"), 5ms);  // bucket has tokens; per-item wins
  for (int i = 0; i < 200; ++i) limiter->when("b" + std::to_string(i));
  EXPECT_GT(limiter->when("c"), 5ms) << "the drained bucket now dominates";
}

}  // namespace
