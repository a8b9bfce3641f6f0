// The exact sum of doubles: the same correctly rounded value whatever the
// order of the additions, which is what makes a Lambda merge (batch partials
// plus speed partials) equal a single fold, and a replay equal its first run.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <random>
#include <vector>

#include "core/exact_sum.h"

namespace kappa::processor {
namespace {

double exact(const std::vector<double>& values) {
  ExactSum sum;
  for (double v : values) sum.add(v);
  return sum.value();
}

// Two-decimal amounts, as revenues come: none is exact in binary.
std::vector<double> amounts(std::size_t n, unsigned seed) {
  std::mt19937_64 random(seed);
  std::vector<double> out;
  for (std::size_t i = 0; i < n; ++i) out.push_back(static_cast<double>(random() % 10000000) / 100.0);
  return out;
}

TEST(ExactSum, CancellationThatANaiveSumLosesIsKept) {
  EXPECT_EQ(exact({1e100, 1.0, -1e100}), 1.0);
  EXPECT_EQ(exact(std::vector<double>(10, 0.1)), 1.0) << "the double nearest to ten times the double 0.1";
  EXPECT_EQ(exact({}), 0.0);
}

// An independent reference: these amounts span fewer than 113 bits in all,
// so a quad-precision sum of them is exact, and rounding it once to a double
// is the correctly rounded sum.
TEST(ExactSum, EqualsTheCorrectlyRoundedExactSum) {
  for (unsigned seed = 1; seed <= 5; ++seed) {
    const auto values = amounts(5000, seed);
    __float128 reference = 0;
    for (double v : values) reference += v;
    EXPECT_EQ(exact(values), static_cast<double>(reference)) << "seed " << seed;
  }
}

TEST(ExactSum, TheValueDoesNotDependOnTheOrder) {
  auto values = amounts(5000, 7);
  const double first = exact(values);
  std::mt19937 random(3);
  bool naive_differed = false;
  for (int round = 0; round < 20; ++round) {
    std::shuffle(values.begin(), values.end(), random);
    EXPECT_EQ(exact(values), first) << "round " << round;
    naive_differed |= std::accumulate(values.begin(), values.end(), 0.0) != first;
  }
  EXPECT_TRUE(naive_differed) << "the data must be such that a naive sum depends on the order";
}

TEST(ExactSum, MergingTwoPartsAtAnyBoundaryEqualsOneFold) {
  const auto values = amounts(400, 11);
  const double whole = exact(values);
  for (std::size_t cut = 0; cut <= values.size(); ++cut) {
    ExactSum batch, speed;
    for (std::size_t i = 0; i < values.size(); ++i) (i < cut ? batch : speed).add(values[i]);
    batch.add(speed);
    ASSERT_EQ(batch.value(), whole) << "cut at " << cut;
  }
}

TEST(ExactSum, IntegersBeyondTwoToThe53AreAddedExactly) {
  ExactSum sum;
  sum.add_integer((std::int64_t{1} << 53) + 1);
  sum.add_integer(-(std::int64_t{1} << 53));
  EXPECT_EQ(sum.value(), 1.0);
  ExactSum extremes;
  extremes.add_integer(INT64_MAX);
  extremes.add_integer(-INT64_MAX);
  EXPECT_EQ(extremes.value(), 0.0);
}

TEST(ExactSum, StoredPartialsRebuildTheSameSum) {
  ExactSum sum;
  for (double v : {1e16, 1.0, 0.1, -3e-5}) sum.add(v);
  EXPECT_GT(sum.partials().size(), 1u);
  EXPECT_EQ(ExactSum::of(sum.partials()).value(), sum.value());
}

TEST(ExactSum, InfinitiesAndNaNPropagate) {
  ExactSum sum;
  sum.add(1.0);
  sum.add(HUGE_VAL);
  EXPECT_EQ(sum.value(), HUGE_VAL);
  sum.add(-HUGE_VAL);
  EXPECT_TRUE(std::isnan(sum.value()));
  ExactSum overflow;
  overflow.add(1.7e308);
  overflow.add(1.7e308);
  EXPECT_EQ(overflow.value(), HUGE_VAL);
}

}  // namespace
}  // namespace kappa::processor
