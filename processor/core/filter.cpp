#include "core/filter.h"

#include <algorithm>

#include "core/errors.h"

namespace kappa::processor {

Filter::Condition Filter::parse_condition(const nlohmann::json& spec, const std::string& where) {
  if (!spec.is_object()) throw ConfigError(where, "a filter condition must be an object");
  const auto field = spec.find("field");
  if (field == spec.end() || !field->is_string()) {
    throw ConfigError(where + ".field", "required: the name of the event field to test");
  }
  Condition condition{FieldPath{}, Kind::Equals, nullptr};
  try {
    condition.field = FieldPath::parse(field->get<std::string>());
  } catch (const std::invalid_argument& e) {
    throw ConfigError(where + ".field", e.what());
  }
  int tests = 0;
  for (const auto& [name, value] : spec.items()) {
    if (name == "field") continue;
    if (name == "equals") {
      condition.kind = Kind::Equals;
      condition.value = value;
    } else if (name == "in") {
      if (!value.is_array()) throw ConfigError(where + ".in", "must be an array of values");
      condition.kind = Kind::In;
      condition.value = value;
    } else if (name == "exists") {
      if (!value.is_boolean()) throw ConfigError(where + ".exists", "must be true or false");
      condition.kind = Kind::Exists;
      condition.value = value;
    } else {
      throw ConfigError(where + "." + name, "unknown member (use equals, in or exists)");
    }
    ++tests;
  }
  if (tests != 1) throw ConfigError(where, "needs exactly one of equals, in or exists");
  return condition;
}

Filter Filter::parse(const nlohmann::json& spec, const std::string& where) {
  Filter filter;
  if (spec.is_array()) {
    if (spec.empty()) throw ConfigError(where, "an empty list of conditions");
    for (std::size_t i = 0; i < spec.size(); ++i) {
      filter.conditions_.push_back(parse_condition(spec[i], where + "[" + std::to_string(i) + "]"));
    }
  } else {
    filter.conditions_.push_back(parse_condition(spec, where));
  }
  return filter;
}

bool Filter::matches(const nlohmann::json& event) const {
  for (const auto& condition : conditions_) {
    const nlohmann::json* value = condition.field.find(event);
    switch (condition.kind) {
      case Kind::Exists:
        if ((value != nullptr && !value->is_null()) != condition.value.get<bool>()) return false;
        break;
      case Kind::Equals:
        if (value == nullptr || *value != condition.value) return false;
        break;
      case Kind::In:
        if (value == nullptr ||
            std::none_of(condition.value.begin(), condition.value.end(),
                         [&](const nlohmann::json& candidate) { return candidate == *value; })) {
          return false;
        }
        break;
    }
  }
  return true;
}

}  // namespace kappa::processor

namespace kappa::processor {

bool Filter::holds(std::size_t i, const FieldValue* value) const {
  const auto& condition = conditions_[i];
  switch (condition.kind) {
    case Kind::Exists: return (value != nullptr && !value->is_null()) == condition.value.get<bool>();
    case Kind::Equals: return value != nullptr && value->equals(condition.value);
    case Kind::In:
      return value != nullptr && std::any_of(condition.value.begin(), condition.value.end(),
                                             [&](const nlohmann::json& candidate) { return value->equals(candidate); });
  }
  return false;
}

}  // namespace kappa::processor
