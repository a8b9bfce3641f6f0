#pragma once
// Folds one input event into the state of its key. An event is applied
// atomically: every check (JSON, key, field types) runs before any
// aggregate changes, so a bad record never half-updates a key.
#include <functional>
#include <string>
#include <string_view>

#include "core/aggregates.h"
#include "core/view_definition.h"

namespace kappa::processor {

enum class BadReason { MalformedJson, NotAnObject, MissingKey, InvalidKey, MissingField, WrongType };

// "malformed_json", "not_an_object", ... (metric label values).
std::string_view to_string(BadReason reason);

struct Outcome {
  enum class Kind { Applied, Filtered, Bad };
  Kind kind = Kind::Applied;
  std::string key;          // Applied: the view key of the event
  BadReason reason{};       // Bad: why
  std::string detail;       // Bad: a human-readable explanation
};

class Aggregator {
 public:
  explicit Aggregator(const ViewDefinition& view) : view_(view) {}

  // Checks `payload` (one event as JSON) and, when it is good and passes
  // the view filter, folds it into `state_of(key)`.
  Outcome process(std::string_view payload, const std::function<KeyState&(const std::string&)>& state_of) const;

  const ViewDefinition& view() const { return view_; }

 private:
  const ViewDefinition& view_;
};

}  // namespace kappa::processor
