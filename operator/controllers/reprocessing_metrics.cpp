#include "controllers/reprocessing_metrics.h"

#include <algorithm>

#include "controllers/version_state.h"
#include "kube/time_format.h"

namespace kappa::controllers {

using nlohmann::json;

namespace {

// When the version's replay began: its Deployment's creation (the pods
// start consuming then), else the Reprocessing's startedAt.
std::optional<std::chrono::system_clock::time_point> replay_began(const json& status,
                                                                   const std::optional<json>& deployment) {
  if (deployment) {
    if (auto t = kube::parse_time((*deployment)["metadata"].value("creationTimestamp", ""))) return t;
  }
  return kube::parse_time(status.value("startedAt", ""));
}

// A Lambda batch run ended: completed (batchCompletedAt appeared) or failed
// (the generation failed with the run started and not completed).
void report_batch_end(ControllerMetrics& metrics, TransitionLedger& ledger, const std::string& uid,
                      const std::string& ns, const std::string& pipeline, const json& before, const json& after) {
  const auto started = kube::parse_time(after.value("batchStartedAt", ""));
  if (!started) return;
  const bool completed = after.contains("batchCompletedAt") && !before.contains("batchCompletedAt");
  const bool failed = !after.contains("batchCompletedAt") && after.value("phase", "") == api::phase::kFailed &&
                      before.value("phase", "") != api::phase::kFailed;
  if ((!completed && !failed) || !ledger.first(uid, "batch-ended")) return;
  const auto ended = kube::parse_time(after.value(completed ? "batchCompletedAt" : "completedAt", ""));
  if (!ended) return;
  metrics.batch_finished(ns, pipeline, completed,
                         std::max(ControllerMetrics::seconds(0), ControllerMetrics::seconds(*ended - *started)));
}

}  // namespace

bool TransitionLedger::first(const std::string& object, const std::string& transition) {
  std::lock_guard lock(mutex_);
  const std::string entry = object + "/" + transition;
  if (!seen_.insert(entry).second) return false;
  order_.push_back(entry);
  if (order_.size() > kCapacity) {
    seen_.erase(order_.front());
    order_.pop_front();
  }
  return true;
}

void report_reprocessing_change(ControllerMetrics& metrics, TransitionLedger& ledger, const std::string& key,
                                const json& before, const json& status_after, const std::optional<json>& deployment) {
  const json status_before = before.value("status", json::object());
  const std::string ns = before["metadata"].value("namespace", "");
  const std::string pipeline = before.value("spec", json::object()).value("pipelineRef", json::object()).value("name", "");
  const std::string phase = status_after.value("phase", "");
  const std::string uid = before["metadata"].value("uid", key);

  if (phase == api::phase::kAborted && status_before.value("phase", "") != api::phase::kAborted &&
      ledger.first(uid, "aborted")) {
    metrics.aborted(ns, pipeline);
  }
  if (status_after.contains("caughtUpAt") && !status_before.contains("caughtUpAt") && ledger.first(uid, "caught-up")) {
    const auto began = replay_began(status_after, deployment);
    const auto caught_up = kube::parse_time(status_after.value("caughtUpAt", ""));
    if (began && caught_up) {
      metrics.caught_up(ns, pipeline, std::max(ControllerMetrics::seconds(0), ControllerMetrics::seconds(*caught_up - *began)));
    }
  }
  report_batch_end(metrics, ledger, uid, ns, pipeline, status_before, status_after);
  if (is_terminal_phase(phase) || before["metadata"].contains("deletionTimestamp")) metrics.version_gone(key);
}

}  // namespace kappa::controllers
