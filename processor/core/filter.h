#pragma once
// A predicate over events, as the JSON view definition writes it (and a SQL
// WHERE or FILTER clause compiles to):
//
//   condition   {"field": F, OP: V} with OP one of
//                 equals, notEquals, lt, le, gt, ge  (V a scalar)
//                 in                                  (V an array of scalars)
//                 exists                              (V true or false)
//   all         {"all": [P, ...]}  or a bare array [P, ...]
//   any         {"any": [P, ...]}
//   not         {"not": P}
//
// Truth is three-valued, as in SQL: a comparison with an absent or null
// field is unknown, and so is an order comparison (lt, le, gt, ge) between
// values of different types; `not` of unknown is unknown, and a predicate
// selects an event only when it is true. `exists` is never unknown. JSON
// equality: 3 equals 3.0, "3" does not equal 3.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "core/event_fields.h"
#include "core/field_path.h"

namespace kappa::processor {

enum class Truth : std::uint8_t { False, Unknown, True };

class Filter {
 public:
  // Throws ConfigError naming `where` (e.g. "KAPPA_CONFIG.filter") and the
  // bad member.
  static Filter parse(const nlohmann::json& spec, const std::string& where);

  // The conditions (leaves): the caller finds condition i's field.
  std::size_t size() const { return conditions_.size(); }
  const FieldPath& field(std::size_t i) const { return conditions_[i].field; }
  // Condition i on `value` (nullptr when the field is absent).
  Truth test(std::size_t i, const FieldValue* value) const;

  // Whether the predicate is true, with `value_of(i)` condition i's value.
  template <class ValueOf>
  bool matches(const ValueOf& value_of) const {
    if (conjunction_) {  // the common case, without a walk over nodes
      for (std::size_t i = 0; i < conditions_.size(); ++i) {
        if (test(i, value_of(i)) != Truth::True) return false;
      }
      return true;
    }
    return evaluate(0, value_of) == Truth::True;
  }

 private:
  enum class Op : std::uint8_t { Equals, NotEquals, Less, LessOrEqual, Greater, GreaterOrEqual, In, Exists };
  struct Condition {
    FieldPath field;
    Op op;
    nlohmann::json value;  // the operand: a scalar, the `in` array, or the `exists` bool
  };
  enum class NodeKind : std::uint8_t { Condition, All, Any, Not };
  struct Node {
    NodeKind kind;
    std::size_t condition = 0;           // NodeKind::Condition
    std::vector<std::size_t> children;   // node indices
  };

  std::size_t parse_node(const nlohmann::json& spec, const std::string& where, int depth);
  std::size_t parse_group(NodeKind kind, const nlohmann::json& list, const std::string& where, int depth);
  static Condition parse_condition(const nlohmann::json& spec, const std::string& where);

  template <class ValueOf>
  Truth evaluate(std::size_t n, const ValueOf& value_of) const {
    const Node& node = nodes_[n];
    switch (node.kind) {
      case NodeKind::Condition: return test(node.condition, value_of(node.condition));
      case NodeKind::Not: {
        const Truth t = evaluate(node.children[0], value_of);
        return t == Truth::Unknown ? t : (t == Truth::True ? Truth::False : Truth::True);
      }
      case NodeKind::All:
      case NodeKind::Any: {
        // All: false wins, then unknown; Any: true wins, then unknown.
        const Truth decisive = node.kind == NodeKind::All ? Truth::False : Truth::True;
        Truth result = node.kind == NodeKind::All ? Truth::True : Truth::False;
        for (std::size_t child : node.children) {
          const Truth t = evaluate(child, value_of);
          if (t == decisive) return t;
          if (t == Truth::Unknown) result = t;
        }
        return result;
      }
    }
    return Truth::Unknown;
  }

  std::vector<Condition> conditions_;
  std::vector<Node> nodes_;  // nodes_[0] is the root
  bool conjunction_ = false;  // every condition must hold, nothing else
};

}  // namespace kappa::processor
