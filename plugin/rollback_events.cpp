#include "plugin/rollback_events.h"

#include "api/names.h"

namespace kappa::plugin {
namespace {

bool is_refusal(const json& event, const std::string& pipeline) {
  const json regarding = event.value("regarding", json::object());
  return event.value("reason", "") == "RollbackUnavailable" && regarding.value("name", "") == pipeline &&
         regarding.value("kind", "Pipeline") == "Pipeline";
}

int64_t count_of(const json& event) {
  const json series = event.value("series", json::object());
  return series.value("count", int64_t{1});
}

}  // namespace

RefusalCounts refusal_counts(const json& event_list, const std::string& pipeline) {
  RefusalCounts counts;
  for (const auto& e : event_list.value("items", json::array())) {
    if (is_refusal(e, pipeline)) counts[e.value("metadata", json::object()).value("name", "")] = count_of(e);
  }
  return counts;
}

std::optional<std::string> new_refusal(const RefusalCounts& before, const json& event_list,
                                       const std::string& pipeline) {
  for (const auto& e : event_list.value("items", json::array())) {
    if (!is_refusal(e, pipeline)) continue;
    const auto it = before.find(e.value("metadata", json::object()).value("name", ""));
    if (it == before.end() || count_of(e) > it->second) return e.value("note", std::string("(no message)"));
  }
  return std::nullopt;
}

std::optional<int64_t> selected_version(const json& service) {
  const json selector = service.value("spec", json::object()).value("selector", json::object());
  return api::version_label({{"metadata", {{"labels", selector}}}});
}

}  // namespace kappa::plugin
