// Lambda mode's serving merge: for any log and any boundary, merging the
// state folded before the boundary with the state folded after it gives the
// state of one fold over the whole log (the merged answer equals Kappa's).
#include "core/state_merge.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace kappa::processor {
namespace {

using nlohmann::json;

AggregateState fold(AggregateOp op, const std::vector<json>& values, std::size_t from, std::size_t to) {
  auto state = initial_state(op);
  for (std::size_t i = from; i < to; ++i) apply(op, state, &values[i]);
  return state;
}

// Values a generated log holds: strings and integers for the sets, small
// integers and halves for sums and extremes (every partial sum exact).
std::vector<json> random_log(std::mt19937& random, AggregateOp op, std::size_t n) {
  std::vector<json> values;
  std::uniform_int_distribution<int> small(-50, 50);
  for (std::size_t i = 0; i < n; ++i) {
    const int v = small(random);
    switch (op) {
      case AggregateOp::CountDistinct: values.push_back(v % 2 ? json("s-" + std::to_string(v % 17)) : json(v % 13)); break;
      case AggregateOp::Sum:
      case AggregateOp::Min:
      case AggregateOp::Max: values.push_back(v % 3 ? json(v) : json(v + 0.5)); break;
      default: values.push_back(json("value-" + std::to_string(i))); break;
    }
  }
  return values;
}

TEST(StateMerge, BatchMergedWithSpeedEqualsOneFoldAtEveryBoundary) {
  std::mt19937 random(20261206);
  for (const auto op : {AggregateOp::Count, AggregateOp::Sum, AggregateOp::Min, AggregateOp::Max,
                        AggregateOp::CountDistinct, AggregateOp::Last}) {
    for (int trial = 0; trial < 50; ++trial) {
      const auto log = random_log(random, op, 1 + random() % 40);
      const auto whole = encode(fold(op, log, 0, log.size()));
      for (std::size_t boundary = 0; boundary <= log.size(); ++boundary) {
        const auto merged = merge(op, fold(op, log, 0, boundary), fold(op, log, boundary, log.size()));
        ASSERT_EQ(render(merged), render(fold(op, log, 0, log.size())))
            << to_string(op) << ", boundary " << boundary << " of " << log.size();
        if (op != AggregateOp::CountDistinct) {
          ASSERT_EQ(encode(merged), whole) << to_string(op);
        } else {  // a set's encoding lists members in hash order
          ASSERT_EQ(std::get<DistinctState>(merged).values, std::get<DistinctState>(fold(op, log, 0, log.size())).values);
        }
      }
    }
  }
}

TEST(StateMerge, CountDistinctIsTheUnionNotASum) {
  const std::vector<json> before = {"a", "b", "c"}, after = {"b", "c", "d"};
  auto batch = fold(AggregateOp::CountDistinct, before, 0, 3);
  auto speed = fold(AggregateOp::CountDistinct, after, 0, 3);
  EXPECT_EQ(render(merge(AggregateOp::CountDistinct, batch, speed)), 4) << "not 3 + 3";
}

TEST(StateMerge, LastIsTheSpeedLayersOnlyWhenItSawAValue) {
  const std::vector<json> before = {"old"}, after = {"new"};
  const auto batch = fold(AggregateOp::Last, before, 0, 1);
  EXPECT_EQ(render(merge(AggregateOp::Last, batch, initial_state(AggregateOp::Last))), "old");
  EXPECT_EQ(render(merge(AggregateOp::Last, batch, fold(AggregateOp::Last, after, 0, 1))), "new");
}

TEST(StateMerge, IntegerSumsStayExactAndAnOverflowTurnsDouble) {
  const std::int64_t big = std::int64_t{1} << 62;
  const std::vector<json> values = {big, big - 1};
  const auto sum = merge(AggregateOp::Sum, fold(AggregateOp::Sum, values, 0, 1), fold(AggregateOp::Sum, values, 1, 2));
  EXPECT_TRUE(render(sum).is_number_integer());
  EXPECT_EQ(render(sum).get<std::int64_t>(), big + (big - 1));  // INT64_MAX: no double holds it
  const std::vector<json> over = {big, big};
  const auto overflow = merge(AggregateOp::Sum, fold(AggregateOp::Sum, over, 0, 1), fold(AggregateOp::Sum, over, 1, 2));
  EXPECT_TRUE(render(overflow).is_number_float());
  EXPECT_DOUBLE_EQ(render(overflow).get<double>(), 2.0 * static_cast<double>(big));
}

TEST(StateMerge, KeyStatesOfAnotherViewAreRefused) {
  const auto view = ViewDefinition::parse(R"({"key":"k","aggregates":{"n":{"op":"count"}}})");
  KeyState two;
  two.aggregates = {CountState{}, CountState{}};
  EXPECT_THROW(merge(view, initial_key_state(view), two), std::invalid_argument);
  KeyState one = initial_key_state(view);
  std::get<CountState>(one.aggregates[0]).count = 2;
  EXPECT_EQ(std::get<CountState>(merge(view, one, one).aggregates[0]).count, 4);
}

// A repartitioned input: the states keep their event orders, and the events
// split between batch and speed by input offsets, not by event order (a
// batch event of one partition may be later than a speed event of another).
// Merged, they give the one fold's `last`: the latest by event order.
TEST(StateMerge, OrderedLastIsTheLatestByEventOrderWhateverTheSplit) {
  std::mt19937 random(77);
  for (int trial = 0; trial < 200; ++trial) {
    const std::size_t n = 1 + random() % 30;
    std::vector<EventOrder> orders;
    for (std::size_t i = 0; i < n; ++i) {
      orders.push_back({static_cast<std::int64_t>(random() % 20) - 5, static_cast<std::uint32_t>(random() % 3), random() % 1000});
    }
    LastState whole, batch, speed;
    const EventOrder* latest = nullptr;
    std::size_t latest_at = 0;
    for (std::size_t i = 0; i < n; ++i) {
      FieldValue value;
      value.kind = FieldValue::Kind::Integer;
      value.integer = static_cast<std::int64_t>(i);
      apply_last(whole, value, orders[i]);
      apply_last(random() % 2 ? batch : speed, value, orders[i]);
      if (!latest || !(orders[i] < *latest)) {
        latest = &orders[i];
        latest_at = i;
      }
    }
    ASSERT_EQ(whole.value, json(latest_at)) << "one fold keeps the latest by order (the later-folded on a tie)";
    const auto merged = std::get<LastState>(merge(AggregateOp::Last, batch, speed));
    ASSERT_EQ(merged.order, whole.order);
    if (batch.value.is_null() || speed.value.is_null() || batch.order != speed.order) {
      ASSERT_EQ(merged.value, whole.value);
    }
  }
}

TEST(StateMerge, OrderedLastPicksTheLaterSideAndTheSpeedOnATie) {
  const LastState early{json("batch"), EventOrder{10, 1, 5}};
  const LastState late{json("speed"), EventOrder{10, 2, 0}};
  EXPECT_EQ(std::get<LastState>(merge(AggregateOp::Last, early, late)).value, "speed");
  EXPECT_EQ(std::get<LastState>(merge(AggregateOp::Last, late, early)).value, "speed") << "a batch event may be the later";
  EXPECT_EQ(std::get<LastState>(merge(AggregateOp::Last, LastState{json("b"), {10, 1, 5}}, LastState{json("s"), {10, 1, 5}})).value, "s");
  EXPECT_EQ(std::get<LastState>(merge(AggregateOp::Last, early, LastState{})).value, "batch");
  EXPECT_EQ(std::get<LastState>(merge(AggregateOp::Last, LastState{}, early)).value, "batch");
  // The fast path (no orders): the speed layer's value when it has one, as before.
  EXPECT_EQ(std::get<LastState>(merge(AggregateOp::Last, LastState{json("b"), {}}, LastState{json("s"), {}})).value, "s");
}

}  // namespace
}  // namespace kappa::processor
