#pragma once
// Folds one input event into the state of its key. An event is applied
// atomically: every check (JSON, key, field types) runs before any
// aggregate changes, so a bad record never half-updates a key.
#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/aggregates.h"
#include "core/event_fields.h"
#include "core/hashed_text.h"
#include "core/view_definition.h"

namespace kappa::processor {

// TooDeep, TooLarge: the event is over a limit of core/limits.h. StateLimit:
// applying it would grow its key's kept values (a `last` value, a distinct
// set) past their share of limits::kMaxKeyStateBytes. Late: a windowed
// view's event whose window had closed (core/window_clock.h).
enum class BadReason {
  MalformedJson, NotAnObject, MissingKey, InvalidKey, MissingField, WrongType, TooDeep, TooLarge, StateLimit, Late
};
inline constexpr std::array kBadReasons = {
    BadReason::MalformedJson, BadReason::NotAnObject, BadReason::MissingKey,
    BadReason::InvalidKey,    BadReason::MissingField, BadReason::WrongType,
    BadReason::TooDeep,       BadReason::TooLarge,     BadReason::StateLimit,
    BadReason::Late};

// "malformed_json", "not_an_object", ... (metric label values).
std::string_view to_string(BadReason reason);

struct Outcome {
  enum class Kind { Applied, Filtered, Bad };
  Kind kind = Kind::Applied;
  // Applied: the state key of the event: its view key, and in a windowed
  // view "<view key>@<window start>" (core/event_time.h).
  std::string key;
  BadReason reason{};       // Bad: why
  std::string detail;       // Bad: a human-readable explanation
};

// An event checked and reduced to what folding it needs: the outcome (the
// key when Applied) and, per aggregate of the view, whether it applies and
// with which value. Reuse one per slot: its buffers are kept.
struct PreparedEvent {
  Outcome outcome;
  std::size_t key_hash = 0;          // Applied: hash_text(outcome.key)
  std::size_t view_key_size = 0;     // Applied: outcome.key's view key part
  std::int64_t event_time = 0;       // Applied, windowed view: the event time (epoch ms)
  std::int64_t window_start = 0;     // Applied, windowed view: its window's start
  std::vector<char> applies;         // per aggregate
  std::vector<FieldValue> values;    // per aggregate (unused for a count of events and count_distinct)
  std::vector<std::string> members;  // per count_distinct aggregate: the canonical member
  std::vector<std::size_t> member_hashes;
  EventOrder order;                  // a repartitioned input (view.event_order): set by the caller, for `last`

  HashedText key() const { return {outcome.key, key_hash}; }
  HashedText member(std::size_t aggregate) const { return {members[aggregate], member_hashes[aggregate]}; }
};

// One Aggregator reads one event at a time (it keeps the event's fields
// between calls): use one per thread.
class Aggregator {
 public:
  explicit Aggregator(const ViewDefinition& view);

  // Checks `payload` (one event as JSON) and, when it is good and passes
  // the view filter, folds it into `state_of(key)`.
  Outcome process(std::string_view payload, const std::function<KeyState&(const HashedText&)>& state_of) const;

  // process() in two steps, so that a batch can be read first and folded
  // after, with the memory each fold touches fetched ahead: prepare() reads
  // the event into `out` and touches no state; fold() applies a prepared
  // Applied event to its key's state. fold() is atomic too: false, with
  // nothing applied, when a distinct set has no room for the event's new
  // value (then the event is a bad record: refused(event) says why).
  void prepare(std::string_view payload, PreparedEvent& out) const;
  bool fold(const PreparedEvent& event, KeyState& state) const;
  Outcome refused(const PreparedEvent& event) const;
  // Hints that `event` will fold into `state` soon: starts fetching the
  // distinct-set slots its values will probe. Changes nothing.
  void prefetch(const PreparedEvent& event, const KeyState& state) const;

  const ViewDefinition& view() const { return view_; }

 private:
  struct Compiled {  // a view member's fields, as EventFields slots
    std::vector<std::size_t> filter;  // one per condition
    std::size_t field = 0;            // when the aggregate has a field
  };
  bool matches(const Filter& filter, const std::vector<std::size_t>& slots) const;
  // prepare()'s work: the outcome when the event is not applied; when it
  // is, nullopt, with the key written into out.outcome.key.
  std::optional<Outcome> check(std::string_view payload, PreparedEvent& out) const;

  // A windowed view: the event's time and window, the window appended to
  // out.outcome.key; the outcome when the time is missing or invalid.
  std::optional<Outcome> window_of(PreparedEvent& out) const;
  bool distinct_sets_fit(const PreparedEvent& event, const KeyState& state) const;
  // fold() of a view with event_order and a `last` (after the room check).
  [[gnu::noinline]] void fold_by_event_order(const PreparedEvent& event, KeyState& state) const;
  Outcome too_big_to_keep(const AggregateSpec& aggregate) const;

  const ViewDefinition& view_;
  // JSON bytes each `last` value and each distinct set of a key may take:
  // limits::kMaxKeyStateBytes shared by the view's aggregates of those ops;
  // the distinct sets' shares together (KeyState::distinct_bytes).
  std::size_t kept_bytes_ = 0;
  std::size_t distinct_bytes_ = 0;
  bool has_distinct_ = false;
  bool ordered_last_ = false;  // view_.event_order and a `last` aggregate
  mutable EventFields fields_;
  std::size_t key_slot_ = 0;
  std::size_t time_slot_ = 0;  // windowed views: the event-time field
  std::vector<std::size_t> filter_slots_;
  std::vector<Compiled> aggregates_;  // as view_.aggregates
};

}  // namespace kappa::processor
