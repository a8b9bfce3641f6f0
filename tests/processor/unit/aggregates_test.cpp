#include "core/aggregates.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

namespace kappa::processor {
namespace {

using nlohmann::json;

AggregateState fold(AggregateOp op, std::initializer_list<json> values) {
  auto state = initial_state(op);
  for (const auto& value : values) apply(op, state, &value);
  return state;
}

TEST(Aggregates, CountCountsEveryApplication) {
  auto state = initial_state(AggregateOp::Count);
  EXPECT_EQ(render(state), 0);
  for (int i = 0; i < 1000; ++i) apply(AggregateOp::Count, state, nullptr);
  EXPECT_EQ(render(state), 1000);
}

TEST(Aggregates, SumOfIntegersIsExactInt64) {
  const std::int64_t big = std::int64_t{1} << 61;
  const auto state = fold(AggregateOp::Sum, {big, big, 3, -1});
  EXPECT_TRUE(render(state).is_number_integer());
  EXPECT_EQ(render(state).get<std::int64_t>(), 2 * big + 2);  // a double could not hold this exactly
  EXPECT_EQ(render(initial_state(AggregateOp::Sum)), 0);
}

TEST(Aggregates, SumTurnsDoubleAtTheFirstFractionOrOverflow) {
  const auto mixed = fold(AggregateOp::Sum, {1, 2, 0.5, 4});
  EXPECT_TRUE(render(mixed).is_number_float());
  EXPECT_DOUBLE_EQ(render(mixed).get<double>(), 7.5);
  const auto overflow = fold(AggregateOp::Sum, {std::numeric_limits<std::int64_t>::max(), 1});
  EXPECT_TRUE(render(overflow).is_number_float());
  EXPECT_DOUBLE_EQ(render(overflow).get<double>(), 9223372036854775808.0);
}

TEST(Aggregates, SumOfDoublesIsTheExactSumRoundedOnce) {
  auto state = initial_state(AggregateOp::Sum);
  double sequential = 0;
  for (int i = 0; i < 10; ++i) {
    const json value = 0.1;
    sequential += 0.1;
    apply(AggregateOp::Sum, state, &value);
  }
  EXPECT_NE(sequential, 1.0);  // what summing in order gives
  EXPECT_EQ(render(state).get<double>(), 1.0);  // the double nearest the exact sum
}

TEST(Aggregates, SumOfDoublesSurvivesTheChangelogExactly) {
  const auto state = fold(AggregateOp::Sum, {1e16, 1, 0.1, 0.25});
  const auto decoded = decode(AggregateOp::Sum, encode(state));
  auto more = decoded;
  auto original = state;
  const json value = -1e16;  // leaves only what a rounded 1e16 + 1.35 would lose
  apply(AggregateOp::Sum, more, &value);
  apply(AggregateOp::Sum, original, &value);
  EXPECT_EQ(render(decoded), render(state));
  EXPECT_EQ(render(more), render(original)) << "what was below the rounded value must survive";
  EXPECT_DOUBLE_EQ(render(more).get<double>(), 1.35);
}

TEST(Aggregates, MinAndMaxKeepTheExtremeNumber) {
  EXPECT_EQ(render(initial_state(AggregateOp::Min)), nullptr);
  EXPECT_EQ(render(fold(AggregateOp::Min, {5, 2.5, 7, -3, 10})), -3);
  EXPECT_EQ(render(fold(AggregateOp::Max, {5, 2.5, 7, -3, 10})), 10);
  EXPECT_EQ(render(fold(AggregateOp::Max, {1, 1.5})), 1.5);
}

TEST(Aggregates, CountDistinctIsExact) {
  auto state = initial_state(AggregateOp::CountDistinct);
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 100000; ++i) {
      const json value = "session-" + std::to_string(i);
      apply(AggregateOp::CountDistinct, state, &value);
    }
  }
  EXPECT_EQ(render(state), 100000);
}

// add_member answers a repeat of the latest member from the state itself:
// runs, returns to earlier members and a decoded set (no latest member yet)
// must all count exactly.
TEST(Aggregates, CountDistinctMembersAddedInRunsCountOnce) {
  DistinctState distinct;
  for (const char* member : {"sa", "sa", "sa", "sb", "sb", "sa", "sc", "sa", "sb", "sb"}) add_member(distinct, member);
  EXPECT_EQ(distinct.values.size(), 3u);
  EXPECT_EQ(distinct.last, "sb");

  auto decoded = std::get<DistinctState>(decode(AggregateOp::CountDistinct, encode(AggregateState{distinct})));
  EXPECT_TRUE(decoded.last.empty());
  for (const char* member : {"sb", "sb", "sd", "sa"}) add_member(decoded, member);
  EXPECT_EQ(decoded.values.size(), 4u);
}

TEST(Aggregates, CountDistinctTellsTypesApartButNotIntegralFloats) {
  EXPECT_EQ(render(fold(AggregateOp::CountDistinct, {"5", 5, 5.0, true, "true", 5.5})), 5);
}

TEST(Aggregates, LastKeepsTheLatestValue) {
  EXPECT_EQ(render(initial_state(AggregateOp::Last)), nullptr);
  EXPECT_EQ(render(fold(AggregateOp::Last, {"/a", json{{"x", 1}}, "/c"})), "/c");
  EXPECT_EQ(render(fold(AggregateOp::Last, {"/a", json{{"x", 1}}})), (json{{"x", 1}}));
}

TEST(Aggregates, TypeErrorsSayWhatWasExpected) {
  EXPECT_EQ(type_error(AggregateOp::Sum, "12"), "a string, expected a number");
  EXPECT_EQ(type_error(AggregateOp::Min, json::object()), "an object, expected a number");
  EXPECT_EQ(type_error(AggregateOp::CountDistinct, json::array()),
            "an array, expected a string, number or boolean");
  EXPECT_FALSE(type_error(AggregateOp::Sum, 1.5));
  EXPECT_FALSE(type_error(AggregateOp::CountDistinct, false));
  EXPECT_FALSE(type_error(AggregateOp::Last, json::array()));
}

TEST(Aggregates, EncodeDecodeRoundTripsEveryOp) {
  const std::vector<std::pair<AggregateOp, AggregateState>> states = {
      {AggregateOp::Count, fold(AggregateOp::Count, {1, 2, 3})},
      {AggregateOp::Sum, fold(AggregateOp::Sum, {std::int64_t{1} << 62, 5})},
      {AggregateOp::Sum, fold(AggregateOp::Sum, {0.1, 0.2, 0.3})},
      {AggregateOp::Min, fold(AggregateOp::Min, {3, 1.25})},
      {AggregateOp::Max, initial_state(AggregateOp::Max)},
      {AggregateOp::CountDistinct, fold(AggregateOp::CountDistinct, {"a", "b", 3, 3.0, true})},
      {AggregateOp::Last, fold(AggregateOp::Last, {json{{"nested", json::array({1, "x"})}}})},
  };
  for (const auto& [op, state] : states) {
    const auto text = encode(state).dump();
    const auto back = decode(op, json::parse(text));
    EXPECT_EQ(render(back), render(state)) << text;
    EXPECT_EQ(encode(back).dump().size(), text.size()) << text;
  }
  // Distinct sets survive whole, not just their size.
  auto decoded = decode(AggregateOp::CountDistinct, encode(fold(AggregateOp::CountDistinct, {"a", 3, true})));
  const json again = "a";
  apply(AggregateOp::CountDistinct, decoded, &again);
  EXPECT_EQ(render(decoded), 3);
}

TEST(Aggregates, DecodeRejectsWhatIsNotAState) {
  EXPECT_THROW(decode(AggregateOp::Count, "x"), std::invalid_argument);
  EXPECT_THROW(decode(AggregateOp::Count, -1), std::invalid_argument);
  EXPECT_THROW(decode(AggregateOp::Sum, nullptr), std::invalid_argument);
  EXPECT_THROW(decode(AggregateOp::Max, "9"), std::invalid_argument);
  EXPECT_THROW(decode(AggregateOp::CountDistinct, json::object()), std::invalid_argument);
  EXPECT_THROW(decode(AggregateOp::CountDistinct, json::array({json::array()})), std::invalid_argument);
}

}  // namespace
}  // namespace kappa::processor
