#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "plugin/format.h"

namespace kappa::plugin {

// One frame of `kubectl kappa status`: the Pipeline's header (Service,
// active and candidate versions, Ready/Reconciling/Stalled conditions) and
// a table of its versions, the candidate's row carrying its Reprocessing's
// progress. A Lambda Pipeline's also shows its architecture, the serving
// generation's snapshot and batch age, and its batch runs
// (generation_view.h). Pure: the objects and the time in, text out.
std::string render_status(const json& pipeline, const std::vector<json>& reprocessings, Clock::time_point now);

// The progress of a Reprocessing status, e.g.
// "lag 12,345   [#######-------]  47%  1,234 rec/s  ETA 1m20s".
std::string progress_line(const json& reprocessing_status);

}  // namespace kappa::plugin
