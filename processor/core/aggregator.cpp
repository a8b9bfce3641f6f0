#include "core/aggregator.h"

#include <nlohmann/json.hpp>

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

// The key as text: strings as they are, integers in decimal.
std::optional<std::string> key_text(const nlohmann::json& value) {
  if (value.is_string()) {
    const auto& text = value.get_ref<const std::string&>();
    if (text.empty()) return std::nullopt;
    return text;
  }
  if (value.is_number_integer()) return value.dump();
  return std::nullopt;
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

Outcome Aggregator::process(std::string_view payload,
                            const std::function<KeyState&(const std::string&)>& state_of) const {
  if (payload.empty()) return bad(BadReason::MalformedJson, "empty value");
  const auto event = nlohmann::json::parse(payload.begin(), payload.end(), nullptr, false);
  if (event.is_discarded()) return bad(BadReason::MalformedJson, "not valid JSON");
  if (!event.is_object()) return bad(BadReason::NotAnObject, "the event is not a JSON object");

  if (view_.filter && !view_.filter->matches(event)) {
    Outcome filtered;
    filtered.kind = Outcome::Kind::Filtered;
    return filtered;
  }

  const nlohmann::json* key_value = view_.key.find(event);
  if (key_value == nullptr || key_value->is_null()) {
    return bad(BadReason::MissingKey, "key field '" + view_.key.text() + "' is missing");
  }
  auto key = key_text(*key_value);
  if (!key) {
    return bad(BadReason::InvalidKey,
               "key field '" + view_.key.text() + "' must be a non-empty string or an integer, not " + key_value->dump());
  }

  // First pass: decide which aggregates this event updates, with which
  // value (none for a count of events); any bad field rejects the event.
  const auto& aggregates = view_.aggregates;
  std::vector<const nlohmann::json*> values(aggregates.size(), nullptr);
  std::vector<bool> applies(aggregates.size(), false);
  for (std::size_t i = 0; i < aggregates.size(); ++i) {
    const auto& aggregate = aggregates[i];
    if (aggregate.where && !aggregate.where->matches(event)) continue;
    if (!aggregate.field) {  // count of events
      applies[i] = true;
      continue;
    }
    const nlohmann::json* value = aggregate.field->find(event);
    if (value == nullptr || value->is_null()) {
      if (aggregate.optional || aggregate.op == AggregateOp::Count) continue;
      return bad(BadReason::MissingField,
                 "field '" + aggregate.field->text() + "' (aggregate " + aggregate.name + ") is missing");
    }
    if (auto error = type_error(aggregate.op, *value)) {
      return bad(BadReason::WrongType,
                 "field '" + aggregate.field->text() + "' (aggregate " + aggregate.name + ") is " + *error);
    }
    values[i] = value;
    applies[i] = true;
  }

  // Second pass: fold in.
  KeyState& state = state_of(*key);
  for (std::size_t i = 0; i < aggregates.size(); ++i) {
    if (applies[i]) apply(aggregates[i].op, state.aggregates[i], values[i]);
  }
  Outcome applied;
  applied.key = std::move(*key);
  return applied;
}

}  // namespace kappa::processor
