#pragma once
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "core/event_fields.h"
#include "core/field_path.h"

namespace kappa::processor {

// A predicate over events: one condition or a list of them, all of which
// must hold. A condition is {"field": F, "equals": V}, {"field": F, "in":
// [V...]} or {"field": F, "exists": true|false}. JSON equality: 3 equals 3.0.
class Filter {
 public:
  // Throws ConfigError naming `where` (e.g. "KAPPA_CONFIG.filter") and the
  // bad member.
  static Filter parse(const nlohmann::json& spec, const std::string& where);

  bool matches(const nlohmann::json& event) const;

  // The same test over fields found elsewhere (EventFields): condition i
  // tests the value at field(i), `value` (nullptr when absent).
  std::size_t size() const { return conditions_.size(); }
  const FieldPath& field(std::size_t i) const { return conditions_[i].field; }
  bool holds(std::size_t i, const FieldValue* value) const;

 private:
  enum class Kind { Equals, In, Exists };
  struct Condition {
    FieldPath field;
    Kind kind;
    nlohmann::json value;  // Equals: the value; In: the array; Exists: the bool
  };
  static Condition parse_condition(const nlohmann::json& spec, const std::string& where);

  std::vector<Condition> conditions_;
};

}  // namespace kappa::processor
