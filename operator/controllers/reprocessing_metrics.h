#pragma once
#include <deque>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "controllers/controller_metrics.h"

namespace kappa::controllers {

// Which one-time transitions (abort, catch-up) of which Reprocessing (by
// UID) were counted already. A reconcile on a cache that does not show our
// own last status write yet sees the same transition again; it must not
// count twice. Bounded: the oldest entries go first.
class TransitionLedger {
 public:
  // True the first time `transition` of `object` is offered.
  bool first(const std::string& object, const std::string& transition);

 private:
  static constexpr std::size_t kCapacity = 10000;
  std::mutex mutex_;
  std::set<std::string> seen_;
  std::deque<std::string> order_;
};

// Tells `metrics` what one reconcile of a Reprocessing changed, once the
// new status is on record (a status write that failed tells nothing; its
// retry does): an abort, a catch-up with its duration (from the version's
// Deployment creation, when its replay began, to caughtUpAt), and the end
// of the version's per-version series once the Reprocessing is finished
// or being deleted.
void report_reprocessing_change(ControllerMetrics& metrics, TransitionLedger& ledger, const std::string& key,
                                const nlohmann::json& before, const nlohmann::json& status_after,
                                const std::optional<nlohmann::json>& deployment);

}  // namespace kappa::controllers
