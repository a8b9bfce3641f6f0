#pragma once
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "controllers/controller_metrics.h"

namespace kappa::controllers {

// Tells `metrics` what one reconcile of a Reprocessing changed, once the
// new status is on record (a status write that failed tells nothing; its
// retry does): an abort, a catch-up with its duration (from the version's
// Deployment creation, when its replay began, to caughtUpAt), and the end
// of the version's per-version series once the Reprocessing is finished
// or being deleted.
void report_reprocessing_change(ControllerMetrics& metrics, const std::string& key, const nlohmann::json& before,
                                const nlohmann::json& status_after, const std::optional<nlohmann::json>& deployment);

}  // namespace kappa::controllers
