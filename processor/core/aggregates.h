#pragma once
// The state of one named aggregate for one key, and the operations on it:
// fold an event's value in, render the output value, encode for the
// changelog and decode back. Exactness:
//  - count, count_distinct: exact (the distinct set is kept whole).
//  - sum: exact 64-bit integer arithmetic while every value is an integer;
//    from the first non-integer value (or an int64 overflow) on, the exact
//    sum of the values as doubles (core/exact_sum.h), rendered rounded once:
//    independent of the order of the events, so a replay and a Lambda merge
//    of a batch and a speed sum give the same double, bit for bit.
//  - min, max: the exact JSON number seen (3 and 3.0 compare equal).
//  - last: the value of the latest event in log order; of a repartitioned
//    input, the latest by EventOrder (core/event_order.h), kept beside it.
#include <absl/container/inlined_vector.h>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/event_fields.h"
#include "core/event_order.h"
#include "core/exact_sum.h"
#include "core/hashed_text.h"
#include "core/view_definition.h"

namespace kappa::processor {

struct CountState {
  std::int64_t count = 0;
};
struct SumState {
  bool integral = true;
  std::int64_t integer = 0;
  ExactSum real;  // once not integral: everything added so far
};
struct ExtremeState {
  nlohmann::json value;  // null until the first value
};
struct DistinctState {
  // Canonical form of each value: 's' + the string, 'n' + the number's JSON
  // (integral floats as integers, so 5 and 5.0 are one value), 'b' + bool.
  // A flat set: a lookup reads one group of control bytes and one slot.
  TextSet values;
  // The member added last (always one of `values`, or empty): events of a
  // key tend to repeat its latest value (a session's clicks), and this
  // answer sits in the state itself, without a probe of the set.
  std::string last;
};
struct LastState {
  nlohmann::json value;  // null until the first value
  EventOrder order;      // a repartitioned input's: the order of the event `value` came from
};

using AggregateState = std::variant<CountState, SumState, ExtremeState, DistinctState, LastState>;

// One key's state: one entry per aggregate of the view, in view order,
// inline for the usual few (no separate allocation to chase per event).
struct KeyState {
  absl::InlinedVector<AggregateState, 3> aggregates;
  // The JSON bytes of all its distinct sets' members (member_json_size
  // summed), checked against the key's state limit; kept up to date by
  // Aggregator::fold and decode_state (not by apply()). Kept here rather than
  // per set: a larger DistinctState made every key's state larger (commit
  // encoding about 20 % slower in transform_bench).
  std::size_t distinct_bytes = 0;
};

AggregateState initial_state(AggregateOp op);
KeyState initial_key_state(const ViewDefinition& view);

// Why `value` cannot feed `op` ("a string, expected a number"), or nullopt.
std::optional<std::string> type_error(AggregateOp op, const nlohmann::json& value);

std::optional<std::string> type_error(AggregateOp op, const FieldValue& value);

// Folds one value in. `value` is nullptr only for a count without a field.
void apply(AggregateOp op, AggregateState& state, const nlohmann::json* value);
void apply_field(AggregateOp op, AggregateState& state, const FieldValue* value);  // the same, of a FieldValue
// `last` of a repartitioned input: `value` replaces the state's when its
// event's `order` is at or after the state's (or the state has none yet).
void apply_last(LastState& state, const FieldValue& value, const EventOrder& order);

// The output value: count -> integer, sum -> number (0 before any value),
// min/max/last -> the value or null, count_distinct -> integer.
nlohmann::json render(const AggregateState& state);

// The changelog form, and back. decode throws std::invalid_argument when
// `encoded` is not a valid state of `op`. With `event_order` (the view's:
// a repartitioned input) a `last` that has a value is
// [[timestamp, partition, offset], value]; otherwise (and null) the value
// alone. The view says which: a value that is itself an array is never
// taken for an order.
nlohmann::json encode(const AggregateState& state, bool event_order = false);
AggregateState decode(AggregateOp op, const nlohmann::json& encoded, bool event_order = false);

// A canonical member (canonical_scalar) into a distinct set (true when it
// was new); and a hint that it will be added soon: its slot starts being
// fetched.
bool add_member(DistinctState& distinct, const HashedText& member);
bool has_member(const DistinctState& distinct, const HashedText& member);
// The bytes a canonical member takes in the changelog's array, its comma
// included; and at most that, from its size alone.
std::size_t member_json_size(std::string_view member);
inline std::size_t member_json_bound(std::string_view member) { return 6 * member.size() + 3; }
// KeyState::distinct_bytes, counted from the sets (after a restore).
std::size_t count_distinct_bytes(const KeyState& state);
void prefetch_member(const DistinctState& distinct, const HashedText& member);

// The canonical distinct-set member of a scalar value (see DistinctState).
std::string canonical_scalar(const nlohmann::json& value);
// The same, of a scalar FieldValue, written into `out` (its buffer reused).
void canonical_scalar(const FieldValue& value, std::string& out);

}  // namespace kappa::processor
