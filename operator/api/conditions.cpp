#include "api/conditions.h"

namespace kappa::api {

using nlohmann::json;

void set_condition(json& conditions, const Condition& condition, int64_t observed_generation,
                   const std::string& now) {
  if (!conditions.is_array()) conditions = json::array();
  json updated = {{"type", condition.type},
                  {"status", condition.status},
                  {"reason", condition.reason},
                  {"message", condition.message},
                  {"observedGeneration", observed_generation},
                  {"lastTransitionTime", now}};
  for (auto& existing : conditions) {
    if (existing.value("type", "") != condition.type) continue;
    if (existing.value("status", "") == condition.status && existing.contains("lastTransitionTime")) {
      updated["lastTransitionTime"] = existing["lastTransitionTime"];
    }
    existing = std::move(updated);
    return;
  }
  conditions.push_back(std::move(updated));
}

std::optional<json> find_condition(const json& conditions, const std::string& type) {
  if (!conditions.is_array()) return std::nullopt;
  for (const auto& c : conditions) {
    if (c.value("type", "") == type) return c;
  }
  return std::nullopt;
}

bool condition_is_true(const json& conditions, const std::string& type) {
  const auto c = find_condition(conditions, type);
  return c && c->value("status", "") == "True";
}

}  // namespace kappa::api
