// A Lambda generation's batch run, the steps before its speed layer
// (docs/lambda.md): take the snapshot S_N and record it, make the batch
// tables, run the Job to S_N, and go on only once it completed.
#include <spdlog/spdlog.h>

#include "api/names.h"
#include "api/status_names.h"
#include "controllers/batch_job.h"
#include "controllers/crash_point.h"
#include "controllers/reprocessing_reconciler.h"
#include "controllers/status_patch.h"
#include "controllers/version_state.h"
#include "kube/api_error.h"

namespace kappa::controllers {

using nlohmann::json;
using kube::Result;

std::optional<Result> ReprocessingReconciler::run_batch(Attempt& a, int32_t input_partitions) {
  if (a.status.value("batchCompletedAt", "").empty()) {
    take_snapshot(a);
    const auto job = ensure_batch_job(a, input_partitions);
    if (!job) return Result::after(ctx_.options.retry_interval);
    if (auto stop = follow_batch(a, *job)) return stop;
  }
  // The speed layer starts where the batch run stopped; its lag counts from there.
  a.plan.start_offsets = a.plan.snapshot;
  return std::nullopt;
}

// S_N is the input's end offsets now, on record (guarded: a pass on a stale
// copy cannot replace it) before any part of the run exists, so every pass
// and every restart runs to the same S_N.
void ReprocessingReconciler::take_snapshot(Attempt& a) {
  if (a.plan.snapshot.is_object()) return;
  const auto end = a.kafka.admin->end_offsets(a.spec->input_topic);
  json status = a.status;
  status["snapshot"] = offsets_json(end);
  status["snapshotAt"] = now();
  status["batchRecords"] = sum_lag(end, offsets_from_json(a.plan.start_offsets).value_or(std::map<int32_t, int64_t>{}));
  if (auto written = write_status(ctx_.client, api::kReprocessings, a.object, status, StatusWrite::Guarded)) {
    a.object = std::move(*written);
  }
  a.status = std::move(status);
  a.object["status"] = a.status;
  a.plan.snapshot = a.status["snapshot"];
  spdlog::info("reprocessing {}/{}: generation {} snapshot {}", a.ns, a.name, a.plan.version, a.plan.snapshot.dump());
}

// The Job, made once, after its tables (and only then: a running Job's
// tables exist, so a pass while it runs makes no Kafka call): one a pass
// made a moment ago is read, not made again; one that is not this
// Reprocessing's stalls it. Nothing when it conflicts or a table does.
std::optional<json> ReprocessingReconciler::ensure_batch_job(Attempt& a, int32_t input_partitions) {
  std::optional<json> job;
  if (const auto cached = ctx_.caches.jobs.get(a.ns + "/" + a.plan.batch_job)) job = *cached;
  if (!job) {
    if (create_tables(a, a.plan.batch_table, a.plan.batch_group, input_partitions)) return std::nullopt;
    try {
      job = ctx_.client.create(kube::resources::kJobs, a.ns,
                               build_batch_job(*a.spec, *a.pipeline, a.plan, a.kafka.secret_keys));
      a.status["batchStartedAt"] = now();
      event(a, false, "BatchStarted",
            "generation " + std::to_string(a.plan.version) + ": Job " + a.plan.batch_job + " folds " +
                std::to_string(a.status.value("batchRecords", int64_t{0})) + " records up to snapshot " +
                a.plan.snapshot.dump());
      crash_point("after-batch-job-create");
    } catch (const kube::ApiError& e) {
      if (e.kind() != kube::ApiErrorKind::AlreadyExists) throw;
      job = ctx_.client.get(kube::resources::kJobs, a.ns, a.plan.batch_job);
    }
  }
  const auto labels = (*job)["metadata"].value("labels", json::object());
  if (labels.value(api::kLabelReprocessing, "") != a.name || !api::is_controlled_by(*job, *a.pipeline)) {
    stalled(a, api::reason::kJobConflict, "Job " + a.plan.batch_job + " exists and does not belong to this reprocessing");
    return std::nullopt;
  }
  return job;
}

// Running: wait (the Job's events wake us). Failed: the generation fails,
// serving is untouched. Complete: on record, and the speed layer may start.
std::optional<Result> ReprocessingReconciler::follow_batch(Attempt& a, const json& job) {
  const auto outcome = batch_outcome(job);
  const std::string generation = "generation " + std::to_string(a.plan.version);
  if (outcome.state == BatchOutcome::State::Running) {
    set_phase(a, api::phase::kBatching);
    set_condition(a, api::condition::kStalled, false, api::reason::kBatchRunning,
                  "Job " + a.plan.batch_job + " is folding the log up to the snapshot");
    return Result::after(ctx_.options.lag_poll_interval);
  }
  if (outcome.state == BatchOutcome::State::Failed) {
    const std::string why = "Job " + a.plan.batch_job + " failed (" + outcome.reason + ": " + outcome.message +
                            "); the serving generation is untouched";
    set_phase(a, api::phase::kFailed);
    stalled(a, api::reason::kBatchFailed, why);
    set_condition(a, api::condition::kSucceeded, false, api::reason::kBatchFailed, why);
    a.status["completedAt"] = now();
    event(a, true, "BatchFailed", generation + ": " + why);
    return Result::done();
  }
  a.status["batchCompletedAt"] = now();
  const auto end = a.kafka.admin->end_offsets(a.spec->input_topic);
  a.status["startLag"] = sum_lag(end, offsets_from_json(a.plan.snapshot).value_or(std::map<int32_t, int64_t>{}));
  event(a, false, "BatchCompleted", generation + ": Job " + a.plan.batch_job + " folded " +
                                        std::to_string(a.status.value("batchRecords", int64_t{0})) +
                                        " records into " + a.plan.batch_table + "; starting its speed layer");
  return std::nullopt;
}

}  // namespace kappa::controllers
