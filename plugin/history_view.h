#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "plugin/format.h"

namespace kappa::plugin {

// `kubectl kappa history`: one row per Reprocessing (already sorted by
// version): name, version, phase, start, completion, duration, template.
// An attempt still running shows how long it has run so far.
std::string render_history(const std::vector<json>& reprocessings, Clock::time_point now);

}  // namespace kappa::plugin
