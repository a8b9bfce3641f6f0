#pragma once
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace kappa::api {

// metav1.Condition bookkeeping on a status's "conditions" array.
struct Condition {
  std::string type;
  std::string status;  // "True" | "False" | "Unknown"
  std::string reason;  // CamelCase
  std::string message;
};

// Sets (or adds) a condition. lastTransitionTime changes only when the
// status changes, as kstatus and `kubectl wait` expect; `now` is RFC 3339.
void set_condition(nlohmann::json& conditions, const Condition& condition, int64_t observed_generation,
                   const std::string& now);

std::optional<nlohmann::json> find_condition(const nlohmann::json& conditions, const std::string& type);
bool condition_is_true(const nlohmann::json& conditions, const std::string& type);

inline Condition condition_true(std::string type, std::string reason, std::string message) {
  return {std::move(type), "True", std::move(reason), std::move(message)};
}
inline Condition condition_false(std::string type, std::string reason, std::string message) {
  return {std::move(type), "False", std::move(reason), std::move(message)};
}

}  // namespace kappa::api
