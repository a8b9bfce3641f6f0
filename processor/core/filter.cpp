#include "core/filter.h"

#include <algorithm>
#include <optional>

#include "core/errors.h"

namespace kappa::processor {
namespace {

// Deeper predicates are refused: parsing and evaluating them recurse.
constexpr int kMaxDepth = 64;
constexpr const char* kOps = "equals, notEquals, lt, le, gt, ge, in or exists";

bool is_scalar(const nlohmann::json& v) { return v.is_string() || v.is_number() || v.is_boolean(); }

// A number's value, exact for every int64, uint64 and double (x86-64's long
// double has a 64-bit mantissa).
long double number_of(const FieldValue& v) {
  switch (v.kind) {
    case FieldValue::Kind::Integer: return static_cast<long double>(v.integer);
    case FieldValue::Kind::Unsigned: return static_cast<long double>(v.unsigned_integer);
    default: return static_cast<long double>(v.real);
  }
}
long double number_of(const nlohmann::json& v) {
  if (v.is_number_unsigned()) return static_cast<long double>(v.get<std::uint64_t>());
  if (v.is_number_integer()) return static_cast<long double>(v.get<std::int64_t>());
  return static_cast<long double>(v.get<double>());
}

// The order of `value` against `operand`: <0, 0, >0; nullopt between types
// that have no order between them (a string and a number, booleans).
std::optional<int> order(const FieldValue& value, const nlohmann::json& operand) {
  if (value.is_number() && operand.is_number()) {
    const long double a = number_of(value), b = number_of(operand);
    return a < b ? -1 : (a > b ? 1 : 0);
  }
  if (value.is_string() && operand.is_string()) return value.text.compare(operand.get_ref<const std::string&>());
  return std::nullopt;
}

Truth truth(bool b) { return b ? Truth::True : Truth::False; }

}  // namespace

Filter::Condition Filter::parse_condition(const nlohmann::json& spec, const std::string& where) {
  const auto field = spec.find("field");
  if (field == spec.end() || !field->is_string()) {
    throw ConfigError(where + ".field", "required: the name of the event field to test");
  }
  Condition condition{FieldPath{}, Op::Equals, nullptr};
  try {
    condition.field = FieldPath::parse(field->get<std::string>());
  } catch (const std::invalid_argument& e) {
    throw ConfigError(where + ".field", e.what());
  }
  static const std::pair<const char*, Op> kComparisons[] = {
      {"equals", Op::Equals}, {"notEquals", Op::NotEquals}, {"lt", Op::Less},
      {"le", Op::LessOrEqual}, {"gt", Op::Greater},         {"ge", Op::GreaterOrEqual}};
  int tests = 0;
  for (const auto& [name, value] : spec.items()) {
    if (name == "field") continue;
    const std::string at = where + "." + name;
    const auto comparison = std::find_if(std::begin(kComparisons), std::end(kComparisons),
                                         [&](const auto& c) { return name == c.first; });
    if (comparison != std::end(kComparisons)) {
      if (!is_scalar(value)) throw ConfigError(at, "must be a string, a number or a boolean (test null with exists)");
      condition.op = comparison->second;
    } else if (name == "in") {
      if (!value.is_array() || value.empty() || !std::all_of(value.begin(), value.end(), is_scalar)) {
        throw ConfigError(at, "must be a non-empty array of strings, numbers or booleans");
      }
      condition.op = Op::In;
    } else if (name == "exists") {
      if (!value.is_boolean()) throw ConfigError(at, "must be true or false");
      condition.op = Op::Exists;
    } else {
      throw ConfigError(at, std::string("unknown member (use field and one of ") + kOps + ")");
    }
    condition.value = value;
    ++tests;
  }
  if (tests != 1) throw ConfigError(where, std::string("needs exactly one of ") + kOps);
  return condition;
}

std::size_t Filter::parse_group(NodeKind kind, const nlohmann::json& list, const std::string& where, int depth) {
  if (!list.is_array()) throw ConfigError(where, "must be an array of conditions");
  if (list.empty()) throw ConfigError(where, "an empty list of conditions");
  const std::size_t at = nodes_.size();
  nodes_.push_back(Node{kind, 0, {}});
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::size_t child = parse_node(list[i], where + "[" + std::to_string(i) + "]", depth + 1);
    nodes_[at].children.push_back(child);
  }
  return at;
}

std::size_t Filter::parse_node(const nlohmann::json& spec, const std::string& where, int depth) {
  if (depth > kMaxDepth) throw ConfigError(where, "nested more than 64 levels deep");
  if (spec.is_array()) return parse_group(NodeKind::All, spec, where, depth);
  if (!spec.is_object()) throw ConfigError(where, "a filter condition must be an object");
  if (spec.size() == 1) {
    const auto& [name, value] = spec.items().begin();
    if (name == "all") return parse_group(NodeKind::All, value, where + ".all", depth);
    if (name == "any") return parse_group(NodeKind::Any, value, where + ".any", depth);
    if (name == "not") {
      const std::size_t at = nodes_.size();
      nodes_.push_back(Node{NodeKind::Not, 0, {}});
      const std::size_t child = parse_node(value, where + ".not", depth + 1);
      nodes_[at].children.push_back(child);
      return at;
    }
  }
  conditions_.push_back(parse_condition(spec, where));
  nodes_.push_back(Node{NodeKind::Condition, conditions_.size() - 1, {}});
  return nodes_.size() - 1;
}

Filter Filter::parse(const nlohmann::json& spec, const std::string& where) {
  Filter filter;
  filter.parse_node(spec, where, 0);
  const Node& root = filter.nodes_[0];
  filter.conjunction_ =
      root.kind == NodeKind::Condition ||
      (root.kind == NodeKind::All && std::all_of(root.children.begin(), root.children.end(), [&](std::size_t c) {
         return filter.nodes_[c].kind == NodeKind::Condition;
       }));
  return filter;
}

Truth Filter::test(std::size_t i, const FieldValue* value) const {
  const auto& condition = conditions_[i];
  if (condition.op == Op::Exists) return truth((value != nullptr && !value->is_null()) == condition.value.get<bool>());
  if (value == nullptr || value->is_null()) return Truth::Unknown;
  switch (condition.op) {
    case Op::Equals: return truth(value->equals(condition.value));
    case Op::NotEquals: return truth(!value->equals(condition.value));
    case Op::In:
      return truth(std::any_of(condition.value.begin(), condition.value.end(),
                               [&](const nlohmann::json& candidate) { return value->equals(candidate); }));
    default: break;
  }
  const auto o = order(*value, condition.value);
  if (!o) return Truth::Unknown;
  switch (condition.op) {
    case Op::Less: return truth(*o < 0);
    case Op::LessOrEqual: return truth(*o <= 0);
    case Op::Greater: return truth(*o > 0);
    case Op::GreaterOrEqual: return truth(*o >= 0);
    default: return Truth::Unknown;
  }
}

}  // namespace kappa::processor
