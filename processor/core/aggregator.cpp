#include "core/aggregator.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <vector>

#include "core/event_time.h"
#include "core/json_writer.h"
#include "core/limits.h"

namespace kappa::processor {
namespace {

Outcome bad(BadReason reason, std::string detail) {
  Outcome outcome;
  outcome.kind = Outcome::Kind::Bad;
  outcome.reason = reason;
  outcome.detail = limits::shorten(detail);  // it goes into a dead-letter header
  return outcome;
}

// A value in a detail: its JSON, shortened (a key may be a huge array).
std::string describe(const FieldValue& value) {
  const bool whole = value.kind == FieldValue::Kind::Object || value.kind == FieldValue::Kind::Array;
  return limits::shorten(whole ? value.composite.dump() : value.to_json().dump(), 200);  // no copy of a document
}

// The JSON bytes a `last` value takes in a changelog record and a row.
std::size_t json_size(const FieldValue& value) {
  switch (value.kind) {
    case FieldValue::Kind::String: return json_writer::string_size(value.text);
    case FieldValue::Kind::Object:
    case FieldValue::Kind::Array: return value.composite.dump().size();  // depth is bounded: safe
    default: return 32;  // a number, boolean or null
  }
}

// The key as text into `out` (its buffer reused): strings as they are,
// integers in decimal. False when the value cannot be a key.
bool key_text(const FieldValue& value, std::string& out) {
  char digits[24];
  switch (value.kind) {
    case FieldValue::Kind::String:
      if (value.text.empty()) return false;
      out.assign(value.text);
      return true;
    case FieldValue::Kind::Integer:
      out.assign(digits, std::to_chars(digits, digits + sizeof digits, value.integer).ptr);
      return true;
    case FieldValue::Kind::Unsigned:
      out.assign(digits, std::to_chars(digits, digits + sizeof digits, value.unsigned_integer).ptr);
      return true;
    default:
      return false;
  }
}

std::vector<std::size_t> slots_of(EventFields& fields, const std::optional<Filter>& filter) {
  std::vector<std::size_t> slots;
  if (filter) {
    for (std::size_t i = 0; i < filter->size(); ++i) slots.push_back(fields.add(filter->field(i)));
  }
  return slots;
}

}  // namespace

std::string_view to_string(BadReason reason) {
  switch (reason) {
    case BadReason::MalformedJson: return "malformed_json";
    case BadReason::NotAnObject: return "not_an_object";
    case BadReason::MissingKey: return "missing_key";
    case BadReason::InvalidKey: return "invalid_key";
    case BadReason::MissingField: return "missing_field";
    case BadReason::WrongType: return "wrong_type";
    case BadReason::TooDeep: return "too_deep";
    case BadReason::TooLarge: return "too_large";
    case BadReason::StateLimit: return "state_limit";
    case BadReason::Late: return "late";
  }
  return "unknown";
}

Aggregator::Aggregator(const ViewDefinition& view) : view_(view) {
  key_slot_ = fields_.add(view_.key);
  if (view_.window) time_slot_ = fields_.add(view_.window->field);
  filter_slots_ = slots_of(fields_, view_.filter);
  for (const auto& aggregate : view_.aggregates) {
    Compiled compiled;
    compiled.filter = slots_of(fields_, aggregate.where);
    if (aggregate.field) compiled.field = fields_.add(*aggregate.field);
    aggregates_.push_back(std::move(compiled));
  }
  const auto keeping = std::count_if(view_.aggregates.begin(), view_.aggregates.end(), [](const auto& aggregate) {
    return aggregate.op == AggregateOp::Last || aggregate.op == AggregateOp::CountDistinct;
  });
  kept_bytes_ = limits::kMaxKeyStateBytes / static_cast<std::size_t>(std::max<std::ptrdiff_t>(keeping, 1));
  const auto distinct_sets = std::count_if(view_.aggregates.begin(), view_.aggregates.end(), [](const auto& aggregate) {
    return aggregate.op == AggregateOp::CountDistinct;
  });
  has_distinct_ = distinct_sets > 0;
  ordered_last_ = view_.event_order && std::any_of(view_.aggregates.begin(), view_.aggregates.end(), [](const auto& a) {
                    return a.op == AggregateOp::Last;
                  });
  distinct_bytes_ = kept_bytes_ * static_cast<std::size_t>(distinct_sets);
}

bool Aggregator::matches(const Filter& filter, const std::vector<std::size_t>& slots) const {
  return filter.matches([&](std::size_t i) { return fields_.get(slots[i]); });
}

Outcome Aggregator::process(std::string_view payload,
                            const std::function<KeyState&(const HashedText&)>& state_of) const {
  thread_local PreparedEvent event;
  prepare(payload, event);
  if (event.outcome.kind == Outcome::Kind::Applied && !fold(event, state_of(event.key()))) return refused(event);
  return event.outcome;
}

void Aggregator::prepare(std::string_view payload, PreparedEvent& out) const {
  out.applies.assign(view_.aggregates.size(), 0);
  out.values.resize(view_.aggregates.size());
  out.members.resize(view_.aggregates.size());
  out.member_hashes.resize(view_.aggregates.size());
  out.outcome.kind = Outcome::Kind::Applied;
  out.outcome.detail.clear();
  if (auto rejected = check(payload, out)) out.outcome = std::move(*rejected);
}

bool Aggregator::fold(const PreparedEvent& event, KeyState& state) const {
  if (has_distinct_ && !distinct_sets_fit(event, state)) return false;
  if (ordered_last_) [[unlikely]] {  // its own loop: the fast path's stays as it was
    fold_by_event_order(event, state);
    return true;
  }
  const auto& aggregates = view_.aggregates;
  for (std::size_t i = 0; i < aggregates.size(); ++i) {
    if (!event.applies[i]) continue;
    if (aggregates[i].op == AggregateOp::CountDistinct) {
      if (add_member(std::get<DistinctState>(state.aggregates[i]), event.member(i))) {
        state.distinct_bytes += member_json_size(event.members[i]);  // new members only: not the usual repeat
      }
    } else {
      apply_field(aggregates[i].op, state.aggregates[i], &event.values[i]);
    }
  }
  return true;
}

void Aggregator::fold_by_event_order(const PreparedEvent& event, KeyState& state) const {
  const auto& aggregates = view_.aggregates;
  for (std::size_t i = 0; i < aggregates.size(); ++i) {
    if (!event.applies[i]) continue;
    if (aggregates[i].op == AggregateOp::CountDistinct) {
      if (add_member(std::get<DistinctState>(state.aggregates[i]), event.member(i))) {
        state.distinct_bytes += member_json_size(event.members[i]);
      }
    } else if (aggregates[i].op == AggregateOp::Last) {
      apply_last(std::get<LastState>(state.aggregates[i]), event.values[i], event.order);
    } else {
      apply_field(aggregates[i].op, state.aggregates[i], &event.values[i]);
    }
  }
}

bool Aggregator::distinct_sets_fit(const PreparedEvent& event, const KeyState& state) const {
  const auto& aggregates = view_.aggregates;
  const auto distinct = [&](std::size_t i) { return event.applies[i] && aggregates[i].op == AggregateOp::CountDistinct; };
  // Room even if every value were new and escaped throughout: no probe.
  std::size_t bound = state.distinct_bytes;
  for (std::size_t i = 0; i < aggregates.size(); ++i) {
    if (distinct(i)) bound += member_json_bound(event.members[i]);
  }
  if (bound <= distinct_bytes_) return true;
  std::size_t exact = state.distinct_bytes;  // nearly full: only the new values count
  for (std::size_t i = 0; i < aggregates.size(); ++i) {
    if (distinct(i) && !has_member(std::get<DistinctState>(state.aggregates[i]), event.member(i))) {
      exact += member_json_size(event.members[i]);
    }
  }
  return exact <= distinct_bytes_;
}

Outcome Aggregator::refused(const PreparedEvent& event) const {
  return bad(BadReason::StateLimit, "key '" + limits::shorten(event.outcome.key, 200) +
                                        "': a new distinct value would grow its distinct sets past " +
                                        std::to_string(distinct_bytes_) +
                                        " bytes (the state of a key must fit one Kafka message)");
}

void Aggregator::prefetch(const PreparedEvent& event, const KeyState& state) const {
  const auto& aggregates = view_.aggregates;
  for (std::size_t i = 0; i < aggregates.size(); ++i) {
    if (!event.applies[i]) continue;
    if (aggregates[i].op == AggregateOp::CountDistinct) {
      prefetch_member(std::get<DistinctState>(state.aggregates[i]), event.member(i));
    } else if (aggregates[i].op == AggregateOp::Sum) {
      std::get<SumState>(state.aggregates[i]).real.prefetch();
    }
  }
}

std::optional<Outcome> Aggregator::window_of(PreparedEvent& out) const {
  const auto& window = *view_.window;
  const FieldValue* time = fields_.get(time_slot_);
  if (time == nullptr || time->is_null()) {
    return bad(BadReason::MissingField, "event-time field '" + window.field.text() + "' (window) is missing");
  }
  const auto parsed = event_time::from_field(*time);
  if (const auto* why = std::get_if<std::string>(&parsed)) {
    return bad(BadReason::WrongType, "event-time field '" + window.field.text() + "' (window) is " +
                                         describe(*time) + ": " + *why);
  }
  out.event_time = std::get<std::int64_t>(parsed);
  out.window_start = event_time::window_start(out.event_time, window.size_ms);
  event_time::append_window_suffix(out.outcome.key, out.window_start);
  return std::nullopt;
}

Outcome Aggregator::too_big_to_keep(const AggregateSpec& aggregate) const {
  return bad(BadReason::StateLimit, "field '" + aggregate.field->text() + "' (aggregate " + aggregate.name +
                                        ") is larger than the " + std::to_string(kept_bytes_) +
                                        " bytes a key's state may keep of it");
}

std::optional<Outcome> Aggregator::check(std::string_view payload, PreparedEvent& out) const {
  if (payload.empty()) return bad(BadReason::MalformedJson, "empty value");
  switch (fields_.parse(payload)) {
    case EventFields::Result::Malformed: return bad(BadReason::MalformedJson, "not valid JSON");
    case EventFields::Result::NotAnObject: return bad(BadReason::NotAnObject, "the event is not a JSON object");
    case EventFields::Result::TooDeep:
      return bad(BadReason::TooDeep, "the event nests objects and arrays more than " +
                                         std::to_string(limits::kMaxEventDepth) + " levels deep");
    case EventFields::Result::TooLarge:
      return bad(BadReason::TooLarge, "the event is " + std::to_string(payload.size()) + " bytes, more than " +
                                          std::to_string(limits::kMaxEventBytes));
    case EventFields::Result::Ok: break;
  }

  if (view_.filter && !matches(*view_.filter, filter_slots_)) {
    Outcome filtered;
    filtered.kind = Outcome::Kind::Filtered;
    return filtered;
  }

  const FieldValue* key_value = fields_.get(key_slot_);
  if (key_value == nullptr || key_value->is_null()) {
    return bad(BadReason::MissingKey, "key field '" + view_.key.text() + "' is missing");
  }
  if (!key_text(*key_value, out.outcome.key)) {
    return bad(BadReason::InvalidKey, "key field '" + view_.key.text() +
                                          "' must be a non-empty string or an integer, not " +
                                          describe(*key_value));
  }
  if (out.outcome.key.size() > limits::kMaxKeyBytes) {
    return bad(BadReason::InvalidKey, "key field '" + view_.key.text() + "' is " +
                                          std::to_string(out.outcome.key.size()) + " bytes, more than " +
                                          std::to_string(limits::kMaxKeyBytes));
  }
  out.view_key_size = out.outcome.key.size();
  if (view_.window) {
    if (auto rejected = window_of(out)) return rejected;
  }

  // Which aggregates this event updates, with which value (none for a
  // count of events); any bad field rejects the event before any change.
  const auto& aggregates = view_.aggregates;
  for (std::size_t i = 0; i < aggregates.size(); ++i) {
    const auto& aggregate = aggregates[i];
    if (aggregate.where && !matches(*aggregate.where, aggregates_[i].filter)) continue;
    if (!aggregate.field) {  // count of events
      out.applies[i] = 1;
      continue;
    }
    const FieldValue* value = fields_.get(aggregates_[i].field);
    if (value == nullptr || value->is_null()) {
      if (aggregate.optional || aggregate.op == AggregateOp::Count) continue;
      return bad(BadReason::MissingField,
                 "field '" + aggregate.field->text() + "' (aggregate " + aggregate.name + ") is missing");
    }
    if (auto error = type_error(aggregate.op, *value)) {
      return bad(BadReason::WrongType,
                 "field '" + aggregate.field->text() + "' (aggregate " + aggregate.name + ") is " + *error);
    }
    // The slot's buffers are reused: no allocation once warm. A distinct
    // value is kept as its member, hashed once for the prefetch and the fold.
    // A value the key's state could not keep is refused here, before any
    // copy (the size is measured only when the event could hold one).
    if (aggregate.op == AggregateOp::CountDistinct) {
      canonical_scalar(*value, out.members[i]);
      if (member_json_bound(out.members[i]) > kept_bytes_ && member_json_size(out.members[i]) > kept_bytes_) {
        return too_big_to_keep(aggregate);
      }
      out.member_hashes[i] = hash_text(out.members[i]);
    } else {
      // A value's JSON is at most about 4 times its text in the event
      // ("1e9" is written 1000000000.0).
      if (aggregate.op == AggregateOp::Last && 4 * payload.size() > kept_bytes_ && json_size(*value) > kept_bytes_) {
        return too_big_to_keep(aggregate);
      }
      out.values[i] = *value;
    }
    out.applies[i] = 1;
  }
  out.key_hash = hash_text(out.outcome.key);
  return std::nullopt;  // applied, with out.outcome.key
}

}  // namespace kappa::processor
