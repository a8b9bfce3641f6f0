#include "core/state_merge.h"

#include <stdexcept>

namespace kappa::processor {

namespace {

// The exact sum of both sides; integers stay integers while they fit.
SumState merge_sums(const SumState& batch, const SumState& speed) {
  SumState out;
  if (batch.integral && speed.integral && !__builtin_add_overflow(batch.integer, speed.integer, &out.integer)) {
    return out;
  }
  out = SumState{false, 0, {}};
  for (const SumState* side : {&batch, &speed}) {
    if (side->integral) {
      out.real.add_integer(side->integer);
    } else {
      out.real.add(side->real);
    }
  }
  return out;
}

// An extreme of each side: null is "no value yet", never the answer.
ExtremeState pick(const ExtremeState& batch, const ExtremeState& speed, bool want_min) {
  if (batch.value.is_null()) return speed;
  if (speed.value.is_null()) return batch;
  const bool speed_wins = want_min ? speed.value < batch.value : batch.value < speed.value;
  return speed_wins ? speed : batch;
}

DistinctState unite(const DistinctState& batch, const DistinctState& speed) {
  DistinctState out = batch;
  out.values.reserve(batch.values.size() + speed.values.size());
  for (const auto& member : speed.values) out.values.insert(member);
  out.last = speed.last.empty() ? batch.last : speed.last;
  return out;
}

}  // namespace

AggregateState merge(AggregateOp op, const AggregateState& batch, const AggregateState& speed) {
  switch (op) {
    case AggregateOp::Count:
      return CountState{std::get<CountState>(batch).count + std::get<CountState>(speed).count};
    case AggregateOp::Sum:
      return merge_sums(std::get<SumState>(batch), std::get<SumState>(speed));
    case AggregateOp::Min:
      return pick(std::get<ExtremeState>(batch), std::get<ExtremeState>(speed), true);
    case AggregateOp::Max:
      return pick(std::get<ExtremeState>(batch), std::get<ExtremeState>(speed), false);
    case AggregateOp::CountDistinct:
      return unite(std::get<DistinctState>(batch), std::get<DistinctState>(speed));
    case AggregateOp::Last: {
      // The later by event order (a repartitioned input's); without one
      // (the fast path: both orders are the default) the speed layer's.
      const auto& b = std::get<LastState>(batch);
      const auto& s = std::get<LastState>(speed);
      if (s.value.is_null()) return batch;
      if (b.value.is_null()) return speed;
      return s.order < b.order ? batch : speed;
    }
  }
  throw std::logic_error("unknown aggregate op");
}

KeyState merge(const ViewDefinition& view, const KeyState& batch, const KeyState& speed) {
  if (batch.aggregates.size() != view.aggregates.size() || speed.aggregates.size() != view.aggregates.size()) {
    throw std::invalid_argument("merge: a state of another view");
  }
  KeyState out;
  out.aggregates.reserve(view.aggregates.size());
  for (std::size_t i = 0; i < view.aggregates.size(); ++i) {
    out.aggregates.push_back(merge(view.aggregates[i].op, batch.aggregates[i], speed.aggregates[i]));
  }
  out.distinct_bytes = count_distinct_bytes(out);
  return out;
}

}  // namespace kappa::processor
