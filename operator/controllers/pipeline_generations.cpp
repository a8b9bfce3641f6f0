// When a Lambda Pipeline starts its next generation (docs/lambda.md): on
// spec.batch.schedule or spec.batch.every, counted from the start of the
// newest generation, or at once on the kappa.dev/batch-now annotation. A
// template change is a new generation too, but roll_out_template makes
// that one. One generation is built at a time.
#include <algorithm>

#include "api/names.h"
#include "api/status_names.h"
#include "controllers/pipeline_view.h"
#include "kube/api_error.h"
#include "kube/time_format.h"

namespace kappa::controllers {

using View = PipelineReconciler::View;

namespace {

constexpr std::size_t kGenerationHistory = 10;

std::string trigger_of(const json& reprocessing) {
  return reprocessing.value("spec", json::object()).value("trigger", "");
}

// Base 36 keeps a generation's Reprocessing name short (it is a label value).
std::string base36(int64_t n) {
  std::string out;
  do {
    out.insert(out.begin(), "0123456789abcdefghijklmnopqrstuvwxyz"[n % 36]);
    n /= 36;
  } while (n > 0);
  return out;
}

}  // namespace

// The start of the newest generation of the serving template: its
// snapshot's time (its Reprocessing's start before it has one).
std::optional<std::chrono::system_clock::time_point> PipelineReconciler::last_generation_start(const View& v) const {
  std::optional<std::chrono::system_clock::time_point> last;
  for (const auto& r : v.reprocessings) {
    if (hash_label(r) != v.desired_hash) continue;
    const json& s = status_of(r);
    const auto at = kube::parse_time(s.value("snapshotAt", s.value("startedAt", "")));
    if (at && (!last || *at > *last)) last = at;
  }
  return last;
}

// When the schedule wants the generation after one that started at `last`.
std::optional<std::chrono::system_clock::time_point> PipelineReconciler::next_generation_due(
    const View& v, std::chrono::system_clock::time_point last) const {
  const auto& batch = v.spec->batch;
  if (batch.every) return last + *batch.every;
  if (!batch.cron) return std::nullopt;
  return batch.cron->next_after(last);
}

void PipelineReconciler::schedule_generation(View& v) {
  if (v.spec->architecture != api::Architecture::Lambda) return;
  const bool requested = !annotation(v.object, api::kAnnotationBatchNow).empty();
  const bool serving_template = v.active && v.active_hash == v.desired_hash;
  if (!serving_template) return;  // the template's first generation comes first (roll_out_template)
  prune_generations(v);
  report_failed_generation(v);
  report_serving_batch(v);
  if (v.in_flight_any()) {
    // A requested run that is already being built has been started: done.
    const bool building_requested = std::any_of(v.reprocessings.begin(), v.reprocessings.end(), [](const json& r) {
      return !is_terminal(r) && trigger_of(r) == "Requested";
    });
    if (requested && building_requested) clear_batch_now(v);
    return;
  }
  const auto now = ctx_.wall_clock();
  if (requested) {
    create_generation(v, "Requested", "r" + base36(std::chrono::duration_cast<std::chrono::seconds>(
                                                        now.time_since_epoch()).count()));
    clear_batch_now(v);
    return;
  }
  const auto last = last_generation_start(v);
  const auto due = last ? next_generation_due(v, *last) : std::nullopt;
  if (!due) return;
  if (now < *due) {
    v.requeue_within(std::chrono::duration_cast<std::chrono::milliseconds>(*due - now));
    return;
  }
  // Named after the slot, so a pass on a stale cache makes the same one.
  create_generation(v, "Schedule", "s" + base36(std::chrono::duration_cast<std::chrono::minutes>(
                                                   due->time_since_epoch()).count()));
}

void PipelineReconciler::create_generation(View& v, const std::string& trigger, const std::string& suffix) {
  confirm_service(v);
  const std::string name = reprocessing_name(v.name, v.desired_hash) + "-" + suffix;
  json rp = reprocessing_manifest(v, name);
  rp["spec"]["trigger"] = trigger;
  try {
    v.reprocessings.push_back(ctx_.client.create(api::kReprocessings, v.ns, rp));
    event(v, false, "GenerationStarted",
          (trigger == "Requested" ? std::string("requested (") + api::kAnnotationBatchNow + ")"
                                  : std::string("scheduled")) +
              ": Reprocessing " + name + " builds the next generation beside v" + std::to_string(*v.active));
  } catch (const kube::ApiError& e) {
    if (e.kind() != kube::ApiErrorKind::AlreadyExists) throw;  // our cache is behind; next pass sees it
  }
}

// The newest generation after the serving one failed (its batch run, say):
// Stalled says so until a later generation serves; serving is untouched.
void PipelineReconciler::report_failed_generation(View& v) {
  const json* newest = nullptr;
  for (const auto& r : v.reprocessings) {
    if (version_of(r) > *v.active && (!newest || version_of(r) > version_of(*newest))) newest = &r;
  }
  if (!newest || status_of(*newest).value("phase", "") != api::phase::kFailed) return;
  const auto why = stalled_because(*newest);
  const bool scheduled = v.spec->batch.every || v.spec->batch.cron;
  v.stalled = api::condition_true(
      api::condition::kStalled, why ? why->value("reason", "") : std::string("GenerationFailed"),
      "generation " + std::to_string(version_of(*newest)) + " (Reprocessing " +
          (*newest)["metadata"].value("name", "") + ") failed" +
          (why ? ": " + why->value("message", "") : std::string()) + "; v" + std::to_string(*v.active) +
          " keeps serving; the next generation starts " +
          (scheduled ? "on schedule or with " : "with ") + api::kAnnotationBatchNow);
}

// Scheduled and requested generations leave a Reprocessing each: the
// newest kGenerationHistory that ended (and no longer run) are kept.
void PipelineReconciler::prune_generations(View& v) {
  std::vector<const json*> ended;
  for (const auto& r : v.reprocessings) {
    const std::string trigger = trigger_of(r);
    if ((trigger == "Schedule" || trigger == "Requested") && is_terminal(r) && !v.deployments.count(version_of(r))) {
      ended.push_back(&r);
    }
  }
  if (ended.size() <= kGenerationHistory) return;
  std::sort(ended.begin(), ended.end(), [](const json* a, const json* b) { return version_of(*a) > version_of(*b); });
  for (auto it = ended.begin() + kGenerationHistory; it != ended.end(); ++it) {
    try {
      ctx_.client.remove(api::kReprocessings, v.ns, (**it)["metadata"].value("name", ""), {});
    } catch (const kube::ApiError& e) {
      if (e.kind() != kube::ApiErrorKind::NotFound) throw;
    }
  }
}

// The serving generation's batch completion, for its staleness on /metrics
// (set on every pass: a restarted operator reports it too).
void PipelineReconciler::report_serving_batch(const View& v) {
  for (const auto& r : v.reprocessings) {
    if (version_of(r) != *v.active) continue;
    if (const auto completed = kube::parse_time(status_of(r).value("batchCompletedAt", ""))) {
      ctx_.metrics->serving_batch(v.ns, v.name, *completed);
    }
  }
}

void PipelineReconciler::clear_batch_now(View& v) {
  v.object = ctx_.client.patch(api::kPipelines, v.ns, v.name, kube::PatchType::Merge,
                               {{"metadata", {{"annotations", {{api::kAnnotationBatchNow, nullptr}}}}}}, {});
}

}  // namespace kappa::controllers
