#include "plugin/selection.h"

#include <algorithm>
#include <limits>

#include "plugin/format.h"

namespace kappa::plugin {
namespace {

int64_t version_or_last(const json& r) {
  return int_field(r.value("status", json::object()), "version").value_or(std::numeric_limits<int64_t>::max());
}

std::string created(const json& r) { return string_field(r.value("metadata", json::object()), "creationTimestamp"); }

}  // namespace

bool is_final_phase(const std::string& phase) {
  return phase == "Succeeded" || phase == "Aborted" || phase == "Failed";
}

std::vector<json> of_pipeline(const json& items, const std::string& pipeline) {
  std::vector<json> out;
  if (!items.is_array()) return out;
  for (const auto& r : items) {
    const json ref = r.value("spec", json::object()).value("pipelineRef", json::object());
    if (string_field(ref, "name") == pipeline) out.push_back(r);
  }
  // RFC 3339 UTC times sort as strings; the name breaks remaining ties.
  std::stable_sort(out.begin(), out.end(), [](const json& a, const json& b) {
    const auto va = version_or_last(a), vb = version_or_last(b);
    if (va != vb) return va < vb;
    if (created(a) != created(b)) return created(a) < created(b);
    return string_field(a.value("metadata", json::object()), "name") < string_field(b.value("metadata", json::object()), "name");
  });
  return out;
}

std::optional<json> in_flight(const std::vector<json>& reprocessings) {
  std::optional<json> best;
  int64_t best_version = -1;
  for (const auto& r : reprocessings) {
    const json status = r.value("status", json::object());
    if (is_final_phase(string_field(status, "phase"))) continue;
    const int64_t v = int_field(status, "version").value_or(0);
    if (!best || v > best_version) {
      best = r;
      best_version = v;
    }
  }
  return best;
}

}  // namespace kappa::plugin
