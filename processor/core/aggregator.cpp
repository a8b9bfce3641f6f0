#include "core/aggregator.h"

#include <nlohmann/json.hpp>

#include <charconv>
#include <vector>

namespace kappa::processor {
namespace {

Outcome bad(BadReason reason, std::string detail) {
  Outcome outcome;
  outcome.kind = Outcome::Kind::Bad;
  outcome.reason = reason;
  outcome.detail = std::move(detail);
  return outcome;
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
  }
  return "unknown";
}

Aggregator::Aggregator(const ViewDefinition& view) : view_(view) {
  key_slot_ = fields_.add(view_.key);
  filter_slots_ = slots_of(fields_, view_.filter);
  for (const auto& aggregate : view_.aggregates) {
    Compiled compiled;
    compiled.filter = slots_of(fields_, aggregate.where);
    if (aggregate.field) compiled.field = fields_.add(*aggregate.field);
    aggregates_.push_back(std::move(compiled));
  }
}

bool Aggregator::matches(const Filter& filter, const std::vector<std::size_t>& slots) const {
  for (std::size_t i = 0; i < slots.size(); ++i) {
    if (!filter.holds(i, fields_.get(slots[i]))) return false;
  }
  return true;
}

Outcome Aggregator::process(std::string_view payload,
                            const std::function<KeyState&(const HashedText&)>& state_of) const {
  thread_local PreparedEvent event;
  prepare(payload, event);
  if (event.outcome.kind == Outcome::Kind::Applied) fold(event, state_of(event.key()));
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

void Aggregator::fold(const PreparedEvent& event, KeyState& state) const {
  const auto& aggregates = view_.aggregates;
  for (std::size_t i = 0; i < aggregates.size(); ++i) {
    if (!event.applies[i]) continue;
    if (aggregates[i].op == AggregateOp::CountDistinct) {
      add_member(std::get<DistinctState>(state.aggregates[i]), event.member(i));
    } else {
      apply_field(aggregates[i].op, state.aggregates[i], &event.values[i]);
    }
  }
}

void Aggregator::prefetch(const PreparedEvent& event, const KeyState& state) const {
  const auto& aggregates = view_.aggregates;
  for (std::size_t i = 0; i < aggregates.size(); ++i) {
    if (event.applies[i] && aggregates[i].op == AggregateOp::CountDistinct) {
      prefetch_member(std::get<DistinctState>(state.aggregates[i]), event.member(i));
    }
  }
}

std::optional<Outcome> Aggregator::check(std::string_view payload, PreparedEvent& out) const {
  if (payload.empty()) return bad(BadReason::MalformedJson, "empty value");
  switch (fields_.parse(payload)) {
    case EventFields::Result::Malformed: return bad(BadReason::MalformedJson, "not valid JSON");
    case EventFields::Result::NotAnObject: return bad(BadReason::NotAnObject, "the event is not a JSON object");
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
                                          key_value->to_json().dump());
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
    if (aggregate.op == AggregateOp::CountDistinct) {
      canonical_scalar(*value, out.members[i]);
      out.member_hashes[i] = hash_text(out.members[i]);
    } else {
      out.values[i] = *value;
    }
    out.applies[i] = 1;
  }
  out.key_hash = hash_text(out.outcome.key);
  return std::nullopt;  // applied, with out.outcome.key
}

}  // namespace kappa::processor
