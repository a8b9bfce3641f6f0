#include "plugin/history_view.h"

#include "plugin/selection.h"
#include "plugin/table.h"

namespace kappa::plugin {
namespace {

std::string or_dash(const std::string& s) { return s.empty() ? "-" : s; }

std::string duration_of(const json& status, Clock::time_point now) {
  const std::string started = string_field(status, "startedAt");
  const std::string completed = string_field(status, "completedAt");
  if (const auto d = elapsed(started, completed)) return *d;
  if (!completed.empty() || started.empty() || is_final_phase(string_field(status, "phase"))) return "-";
  return age(started, now) + " so far";
}

}  // namespace

std::string render_history(const std::vector<json>& reprocessings, Clock::time_point now) {
  if (reprocessings.empty()) return "no reprocessings\n";
  Table table({"NAME", "VERSION", "PHASE", "STARTED", "COMPLETED", "DURATION", "TEMPLATE"});
  for (const auto& r : reprocessings) {
    const json status = r.value("status", json::object());
    const auto version = int_field(status, "version");
    table.add({string_field(r.value("metadata", json::object()), "name"),
               version ? "v" + std::to_string(*version) : "-", or_dash(string_field(status, "phase")),
               or_dash(string_field(status, "startedAt")), or_dash(string_field(status, "completedAt")),
               duration_of(status, now), or_dash(string_field(status, "templateHash"))});
  }
  return table.render();
}

}  // namespace kappa::plugin
