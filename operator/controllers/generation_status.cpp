#include "controllers/generation_status.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <string>
#include <utility>

#include "api/status_names.h"
#include "controllers/pipeline_view.h"
#include "kube/time_format.h"

namespace kappa::controllers {

namespace {

std::optional<int64_t> seconds_between(const std::string& from, const std::string& to) {
  const auto a = kube::parse_time(from), b = kube::parse_time(to);
  if (!a || !b) return std::nullopt;
  return std::chrono::duration_cast<std::chrono::seconds>(*b - *a).count();
}

// The generation the Service selects. Without its Reprocessing (deleted by
// hand) the last record of that same generation stays: it is still true.
void record_serving_generation(json& s, const std::vector<json>& reprocessings) {
  const auto active = s.find("activeVersion");
  if (active == s.end() || !active->is_number_integer()) {
    s.erase("servingGeneration");
    return;
  }
  const int64_t version = active->get<int64_t>();
  const auto rp = std::find_if(reprocessings.begin(), reprocessings.end(),
                               [&](const json& r) { return version_of(r) == version; });
  if (rp == reprocessings.end()) {
    if (s.value("servingGeneration", json::object()).value("version", int64_t{0}) != version) {
      s.erase("servingGeneration");
    }
    return;
  }
  json serving = {{"version", version}};
  for (const char* field : {"snapshot", "snapshotAt", "batchCompletedAt"}) {
    if (status_of(*rp).contains(field)) serving[field] = status_of(*rp)[field];
  }
  s["servingGeneration"] = std::move(serving);
}

// Newest first (versions only grow), at most kBatchRunHistory.
void record_batch_runs(json& s, const std::vector<json>& reprocessings) {
  std::vector<json> runs;
  for (const auto& r : reprocessings) {
    if (!status_of(r).value("batchStartedAt", "").empty()) runs.push_back(batch_run(r));
  }
  std::sort(runs.begin(), runs.end(), [](const json& a, const json& b) {
    return std::pair(a.value("version", int64_t{0}), a.value("startedAt", "")) >
           std::pair(b.value("version", int64_t{0}), b.value("startedAt", ""));
  });
  if (runs.size() > kBatchRunHistory) runs.resize(kBatchRunHistory);
  if (runs.empty()) {
    s.erase("batchRuns");
  } else {
    s["batchRuns"] = runs;
  }
}

// The newest snapshot time; never earlier than the one on record, which
// stays true when the newest generation's Reprocessing is deleted.
void record_last_generation_start(json& s, const std::vector<json>& reprocessings) {
  std::string newest = s.value("lastGenerationStartedAt", "");
  auto newest_at = kube::parse_time(newest);
  for (const auto& r : reprocessings) {
    const std::string at = status_of(r).value("snapshotAt", "");
    const auto t = kube::parse_time(at);
    if (t && (!newest_at || *t > *newest_at)) {
      newest = at;
      newest_at = t;
    }
  }
  if (newest_at) s["lastGenerationStartedAt"] = newest;
}

}  // namespace

// A run that ended without completing (its Job failed, or the generation
// was aborted mid-run) is Failed: it left no batch table to serve from.
json batch_run(const json& reprocessing) {
  const json& st = status_of(reprocessing);
  const std::string started = st.value("batchStartedAt", "");
  std::string completed = st.value("batchCompletedAt", "");
  std::string outcome = api::batch_run_outcome::kSucceeded;
  if (completed.empty()) {
    const bool ended = is_terminal(reprocessing);
    outcome = ended ? api::batch_run_outcome::kFailed : api::batch_run_outcome::kRunning;
    if (ended) completed = st.value("completedAt", "");
  }
  json run = {{"version", version_of(reprocessing)},
              {"reprocessing", reprocessing.value("metadata", json::object()).value("name", "")},
              {"startedAt", started},
              {"outcome", outcome}};
  if (st.contains("batchRecords")) run["records"] = st["batchRecords"];
  if (!completed.empty()) {
    run["completedAt"] = completed;
    if (const auto d = seconds_between(started, completed)) run["durationSeconds"] = *d;
  }
  return run;
}

void record_generations(json& status, const std::vector<json>& reprocessings) {
  record_serving_generation(status, reprocessings);
  record_batch_runs(status, reprocessings);
  record_last_generation_start(status, reprocessings);
}

}  // namespace kappa::controllers
