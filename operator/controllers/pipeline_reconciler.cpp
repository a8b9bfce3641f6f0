#include "controllers/pipeline_reconciler.h"
#include "controllers/pipeline_view.h"

#include <algorithm>
#include <map>

#include <spdlog/spdlog.h>

#include "api/conditions.h"
#include "api/duration.h"
#include "api/names.h"
#include "api/status_names.h"
#include "controllers/api_refusal.h"
#include "controllers/crash_point.h"
#include "controllers/disruption_budget.h"
#include "controllers/kafka_stall_reason.h"
#include "controllers/serving_service.h"
#include "controllers/status_patch.h"
#include "controllers/version_cleanup.h"
#include "controllers/version_deployment.h"
#include "controllers/version_state.h"
#include "controllers/watches.h"
#include "kafka/kafka_error.h"
#include "kafka/property_policy.h"
#include "kube/api_error.h"
#include "kube/time_format.h"

namespace kappa::controllers {

using nlohmann::json;
using kube::Result;


namespace {

// The version counter (and whom it last gave a number) and the record of Kafka names are only ever written
// read-fresh under a resourceVersion precondition (edit_status_guarded);
// the status merge patch of a reconcile, computed from a cache that may be
// behind, never carries them, so it cannot put an old value back.
void erase_guarded_fields(json& status) {
  status.erase(api::status_field::kNextVersion);
  status.erase(api::status_field::kLastAllocation);
  status.erase(kStatusOwnedKafka);
}

}  // namespace

PipelineReconciler::PipelineReconciler(ControllerContext& context) : ctx_(context) {}

std::string PipelineReconciler::reprocessing_name(const std::string& pipeline, const std::string& hash) {
  return pipeline + "-" + hash;
}

Result PipelineReconciler::reconcile(const std::string& key) {
  const auto object = ctx_.caches.pipelines.get(key);
  if (!object) return Result::done();
  View v = start_view(*object);
  if (const auto wait = ctx_.terminating->hold(v.object, ctx_.clock->now())) return Result::after(*wait);
  Result result;
  try {
    result = run(v);
  } catch (const kafka::KafkaError& e) {
    v.stalled = api::condition_true(api::condition::kStalled, kafka_stall_reason(e), e.what());
    result = Result::after(ctx_.options.retry_interval);
  } catch (const kafka::PropertyRefused& e) {
    v.stalled = api::condition_true(api::condition::kStalled, api::reason::kInvalidSpec,
                                    "secret " + v.spec->secret_name + " (spec.kafka.secretRef): " + e.what());
    result = Result::after(ctx_.options.retry_interval);
  } catch (const kube::ApiError& e) {
    if (namespace_terminating(e)) {
      ctx_.terminating->refused(v.ns, ctx_.clock->now());
      return Result::done();  // its deletion brings this Pipeline's
    }
    if (!is_refusal(e)) throw;
    v.stalled = api::condition_true(api::condition::kStalled, api::reason::kInvalidSpec, refusal_message(e));
    result = Result::after(ctx_.options.retry_interval);
  }
  if (is_deleting(v.object) && !has_finalizer(v.object, api::kFinalizer)) return result;
  compute_status(v);
  json current = status_of(v.object);
  erase_guarded_fields(current);
  v.object["status"] = current;
  try {
    write_status(ctx_.client, api::kPipelines, v.object, v.status);
  } catch (const kube::ApiError& e) {
    if (e.kind() != kube::ApiErrorKind::NotFound) throw;
  }
  if (!result.requeue_after && v.requeue) result.requeue_after = *v.requeue;
  return result;
}

PipelineReconciler::View PipelineReconciler::start_view(const json& object) {
  View v;
  v.object = object;
  v.ns = object["metadata"].value("namespace", "");
  v.name = object["metadata"].value("name", "");
  v.status = status_of(object);
  erase_guarded_fields(v.status);
  return v;
}

Result PipelineReconciler::run(View& v) {
  try {
    return pass(v);
  } catch (const ServiceMoved&) {
    // What the pass decided came from a Service the API server has left:
    // once more, from a fresh read (it cannot move again within the pass).
    View again = start_view(v.object);
    again.fresh_service = true;
    v = std::move(again);
    return pass(v);
  }
}

Result PipelineReconciler::pass(View& v) {
  try {
    v.spec = api::PipelineSpec::parse(v.object);
  } catch (const std::invalid_argument& e) {
    v.stalled = api::condition_true(api::condition::kStalled, api::reason::kInvalidSpec, e.what());
    if (!is_deleting(v.object)) return Result::done();  // a spec change brings us back
  }
  read_children(v);
  if (is_deleting(v.object)) return finalize(v);
  v.object = add_finalizer(ctx_.client, api::kPipelines, v.object, api::kFinalizer);
  if (!v.spec) return Result::done();
  if (auto stop = check_service(v)) return *stop;
  handle_rollback(v);
  restore_service(v);
  adopt_legacy_kafka(v);
  // A bad or missing Secret is reported as soon as the spec names it, not
  // at the next rollout (the client itself is pooled: no new connection).
  v.kafka = ctx_.kafka.access(*v.spec);
  if (!v.spec->secret_name.empty()) v.requeue_within(ctx_.options.secret_recheck_interval);
  if (v.spec->paused) return Result::done();
  roll_out_template(v);
  schedule_generation(v);
  scale_active(v);
  apply_disruption_budgets(v);
  if (auto stop = retire_standby(v)) return *stop;
  collect_kafka_garbage(v);
  return Result::done();
}

void PipelineReconciler::read_children(View& v) {
  // Only this Pipeline's objects are copied out of the shared cache.
  for (const auto& d : ctx_.caches.deployments.by_label(api::kLabelPipeline, v.name, v.ns)) {
    if (!api::is_controlled_by(*d, v.object)) continue;
    if (const auto version = api::version_label(*d)) v.deployments[*version] = *d;
  }
  for (const auto& r : ctx_.caches.reprocessings.by_index(kByPipelineRef, v.ns + "/" + v.name)) {
    v.reprocessings.push_back(*r);
    if (!is_terminal(*r) && (!v.candidate || version_of(*r) > version_of(*v.candidate))) v.candidate = *r;
  }
  if (v.spec) v.desired_hash = api::template_hash(v.spec->processor, *v.spec);
}

// The Service is the source of truth for "active" (docs/design.md,
// invariant 2): never write to one this Pipeline does not own.
std::optional<Result> PipelineReconciler::check_service(View& v) {
  read_service(v);
  if (v.service && !api::is_controlled_by(*v.service, v.object)) {
    v.service_conflict = true;
    v.stalled = api::condition_true(api::condition::kStalled, api::reason::kServiceNotOwned,
                                    "Service " + v.spec->service_name +
                                        " exists and is not owned by this Pipeline; delete it or choose another "
                                        "serving.serviceName");
    return Result::after(ctx_.options.retry_interval);
  }
  if (v.service) v.active = selected_version(*v.service);
  if (v.active && v.deployments.count(*v.active)) v.active_hash = hash_label(v.deployments[*v.active]);
  return std::nullopt;
}

// A rollback is two durable steps, so that a retry after a crash (or a
// failed write) between any two writes finishes it instead of starting it
// over (docs/design.md, invariant 6):
// 1. take the request: kappa.dev/rollback gives way to kappa.dev/rollback-pending
//    {"from": active, "to": target} in one write guarded by the Pipeline's
//    resourceVersion, so "true" is resolved against the Service exactly once;
// 2. flip the Service from `from` to `to` (guarded by its resourceVersion),
//    then drop the pending mark.
// A pass that finds the Service already selecting `to` only drops the mark:
// no second flip, no second RolledBack (an Event lost to a crash right after
// the flip stays lost: at most once).
void PipelineReconciler::handle_rollback(View& v) {
  if (annotation(v.object, api::kAnnotationRollback).empty() &&
      annotation(v.object, api::kAnnotationRollbackPending).empty()) {
    return;
  }
  // Our cache may still show a request we took a moment ago: only a fresh
  // read counts, of the Pipeline and of the Service.
  confirm_service(v);
  v.object = ctx_.client.get(api::kPipelines, v.ns, v.name);
  finish_rollback(v);  // one an earlier pass took
  if (take_rollback_request(v)) finish_rollback(v);
}

std::optional<int64_t> PipelineReconciler::rollback_target(const View& v, const std::string& request) const {
  const auto version = [](const std::string& text) {
    return api::version_label({{"metadata", {{"labels", {{api::kLabelVersion, text}}}}}});
  };
  if (request != "true" && request != "previous") return version(request);
  if (!v.service) return std::nullopt;
  return version(annotation(*v.service, api::kAnnotationPreviousVersion));
}

// Why serving cannot go to `target` now, or "" when it can.
std::string PipelineReconciler::rollback_refusal(View& v, std::optional<int64_t> target) const {
  if (!v.service || !v.active) return "no version is serving yet";
  if (!target) return "no previous version is recorded on Service " + v.spec->service_name;
  const std::string name = "v" + std::to_string(*target);
  if (*target == *v.active) return name + " already serves";
  if (!v.deployments.count(*target)) return name + " is retired (its Deployment is gone)";
  const json& d = v.deployments[*target];
  if (all_replicas_ready(d)) return "";
  const json status = d.value("status", json::object());
  return name + " is not Ready (" + std::to_string(status.value("readyReplicas", 0)) + "/" +
         std::to_string(d["spec"].value("replicas", 1)) + " replicas ready, generation " +
         std::to_string(d["metadata"].value("generation", 0)) + " observed " +
         std::to_string(status.value("observedGeneration", 0)) + ")";
}

// Step 1; true when a flip is now pending.
bool PipelineReconciler::take_rollback_request(View& v) {
  const std::string request = annotation(v.object, api::kAnnotationRollback);
  if (request.empty()) return false;
  const auto target = rollback_target(v, request);
  const std::string why = rollback_refusal(v, target);
  json annotations = {{api::kAnnotationRollback, nullptr}};
  if (why.empty()) annotations[api::kAnnotationRollbackPending] = json{{"from", *v.active}, {"to", *target}}.dump();
  v.object = ctx_.client.patch(
      api::kPipelines, v.ns, v.name, kube::PatchType::Merge,
      {{"metadata", {{"resourceVersion", v.object["metadata"].value("resourceVersion", "")}, {"annotations", annotations}}}},
      {});
  if (!why.empty()) {
    spdlog::warn("pipeline {}/{}: rollback refused: {}", v.ns, v.name, why);
    event(v, true, "RollbackUnavailable", "rollback refused: " + why);
    return false;
  }
  crash_point("after-rollback-taken");
  return true;
}

// Step 2, for the flip a pass took (this one or an earlier one).
void PipelineReconciler::finish_rollback(View& v) {
  const std::string text = annotation(v.object, api::kAnnotationRollbackPending);
  if (text.empty()) return;
  const json pending = json::parse(text, nullptr, /*allow_exceptions=*/false);
  const int64_t from = pending.is_object() ? pending.value("from", int64_t{0}) : 0;
  const int64_t to = pending.is_object() ? pending.value("to", int64_t{0}) : 0;
  if (v.active && *v.active == from && to > 0) {
    const std::string why = rollback_refusal(v, to);
    if (why.empty()) {
      switch_service_back(v, to);
    } else {
      event(v, true, "RollbackUnavailable", "rollback refused: " + why);
    }
  } else if (!v.active || *v.active != to) {
    event(v, true, "RollbackUnavailable",
          "rollback to v" + std::to_string(to) + " abandoned: serving moved to " +
              (v.active ? "v" + std::to_string(*v.active) : std::string("nothing")) + " meanwhile");
  }  // else: an earlier pass flipped it and died before dropping the mark
  v.object = ctx_.client.patch(api::kPipelines, v.ns, v.name, kube::PatchType::Merge,
                               {{"metadata", {{"annotations", {{api::kAnnotationRollbackPending, nullptr}}}}}}, {});
}

void PipelineReconciler::switch_service_back(View& v, int64_t target) {
  v.service = roll_back_serving_service(ctx_.client, *v.service, target, v.active_hash,
                                        kube::format_time(ctx_.wall_clock()));
  crash_point("after-rollback-switch");
  ctx_.metrics->rolled_back(v.ns, v.name);
  event(v, false, "RolledBack",
        "Service " + v.spec->service_name + " switched back from v" + std::to_string(*v.active) + " to v" +
            std::to_string(target));
  spdlog::info("pipeline {}/{}: rolled back from v{} to v{}", v.ns, v.name, *v.active, target);
  v.active = target;
  v.active_hash = hash_label(v.deployments[target]);
}

// A Service someone deleted comes back pointing at the last active version
// we recorded, if that version still runs.
void PipelineReconciler::restore_service(View& v) {
  if (v.service) return;
  const int64_t last = v.status.value("activeVersion", int64_t{0});
  if (last <= 0 || !v.deployments.count(last)) return;
  confirm_service(v);
  v.service = create_serving_service(ctx_.client, *v.spec, v.object, last, kube::format_time(ctx_.wall_clock()));
  v.active = last;
  v.active_hash = hash_label(v.deployments[last]);
  event(v, true, "ServiceRestored", "Service " + v.spec->service_name + " was missing; recreated selecting v" +
                                         std::to_string(last));
}

// A template no version runs yet gets a Reprocessing, unless one is on it
// already, a rollback holds it back, or its last attempt ended Failed or
// Aborted (then the Pipeline says why and waits for a spec change). Either
// way, in-flight Reprocessings of other templates are superseded.
void PipelineReconciler::roll_out_template(View& v) {
  const std::string& want = v.desired_hash;
  const bool serving_it = v.active && v.active_hash == want;
  const bool held_back = v.service && annotation(*v.service, api::kAnnotationRolledBackTemplate) == want;
  if (!serving_it && !held_back) {
    const TemplateAttempts attempts = attempts_of(v, want);
    if (attempts.blocked_by && !attempts.in_flight) {
      stall_on_ended_attempt(v, *attempts.blocked_by);
      return;
    }
    if (!attempts.in_flight) {
      confirm_service(v);
      create_reprocessing(v, attempts.name_taken);
    }
  }
  supersede(v, want);
}

PipelineReconciler::TemplateAttempts PipelineReconciler::attempts_of(const View& v, const std::string& hash) const {
  TemplateAttempts out;
  for (const auto& r : v.reprocessings) {
    if (r["metadata"].value("name", "") == reprocessing_name(v.name, hash)) out.name_taken = true;
    if (hash_label(r) != hash) continue;
    if (!is_terminal(r)) {
      out.in_flight = &r;
      continue;
    }
    const std::string phase = status_of(r).value("phase", "");
    const bool superseded = !annotation(r, kAnnotationSupersededBy).empty();
    if ((phase == api::phase::kFailed || phase == api::phase::kAborted) && !superseded) out.blocked_by = &r;
  }
  return out;
}

// The reason the attempt ended (RetentionInsufficient, say) is the useful one.
void PipelineReconciler::stall_on_ended_attempt(View& v, const json& attempt) {
  const std::string rp = attempt["metadata"].value("name", "");
  const std::string phase = status_of(attempt).value("phase", std::string(api::phase::kFailed));
  const auto why = stalled_because(attempt);
  v.stalled = api::condition_true(
      api::condition::kStalled, why ? why->value("reason", "") : "Rollout" + phase,
      "Reprocessing " + rp + " for this template ended " + phase +
          (why ? " (" + why->value("message", "") + ")" : std::string()) +
          "; change spec.processor or delete the Reprocessing to try again");
}

json PipelineReconciler::reprocessing_manifest(const View& v, const std::string& name) const {
  return {{"apiVersion", api::kApiVersion},
          {"kind", "Reprocessing"},
          {"metadata",
           {{"name", name},
            {"namespace", v.ns},
            {"labels", {{api::kLabelPipeline, v.name}, {api::kLabelTemplateHash, v.desired_hash}}},
            {"ownerReferences", json::array({api::controller_reference(v.object)})},
            // Born with the finalizer its reconciler would add: one request
            // less before the version's Deployment exists.
            {"finalizers", json::array({api::kFinalizer})}}},
          // The template is copied so the version is built from what was
          // asked for at this moment, whatever the Pipeline says later.
          {"spec", {{"pipelineRef", {{"name", v.name}}}, {"processor", v.spec->processor}}}};
}

void PipelineReconciler::create_reprocessing(View& v, bool name_taken) {
  const std::string& hash = v.desired_hash;
  const std::string base = reprocessing_name(v.name, hash);
  const std::string name =
      name_taken ? base + "-g" + std::to_string(v.object["metadata"].value("generation", int64_t{0})) : base;
  json rp = reprocessing_manifest(v, name);
  if (v.spec->architecture == api::Architecture::Lambda) rp["spec"]["trigger"] = "TemplateChange";
  try {
    v.reprocessings.push_back(ctx_.client.create(api::kReprocessings, v.ns, rp));
    event(v, false, "ReprocessingCreated",
          "template " + hash + " changed: Reprocessing " + name + " builds the next version" +
              (v.active ? " beside v" + std::to_string(*v.active) : std::string()));
  } catch (const kube::ApiError& e) {
    if (e.kind() != kube::ApiErrorKind::AlreadyExists) throw;  // our cache is behind; next pass sees it
  }
}

// A newer template wins: in-flight Reprocessings this Pipeline made for
// other templates are aborted (their candidates get cleaned, serving is
// untouched). Hand-made Reprocessings are the user's to abort.
void PipelineReconciler::supersede(View& v, const std::string& keep_hash) {
  for (const auto& r : v.reprocessings) {
    if (is_terminal(r) || hash_label(r) == keep_hash || !api::is_controlled_by(r, v.object)) continue;
    if (r.value("spec", json::object()).value("abort", false)) continue;
    const std::string name = r["metadata"].value("name", "");
    ctx_.client.patch(api::kReprocessings, v.ns, name, kube::PatchType::Merge,
                      {{"metadata", {{"annotations", {{kAnnotationSupersededBy, keep_hash}}}}},
                       {"spec", {{"abort", true}}}},
                      {});
    event(v, false, "Superseded", "Reprocessing " + name + " is superseded by template " + keep_hash);
  }
}

void PipelineReconciler::scale_active(View& v) {
  if (!v.active || !v.deployments.count(*v.active)) return;
  const auto& d = v.deployments[*v.active];
  if (d["spec"].value("replicas", 1) == v.spec->replicas) return;
  confirm_service(v);
  ctx_.client.patch(kube::resources::kDeployments, v.ns, d["metadata"].value("name", ""), kube::PatchType::Merge,
                    {{"spec", {{"replicas", v.spec->replicas}}}}, {});
  event(v, false, "Scaled", "v" + std::to_string(*v.active) + " scaled to " + std::to_string(v.spec->replicas) +
                                " replicas in place");
}

// Every running version (a rollback target or a candidate too) gets the
// budget the spec asks for, or loses the one it had.
void PipelineReconciler::apply_disruption_budgets(View& v) {
  for (const auto& [version, d] : v.deployments) {
    const auto change = apply_disruption_budget(ctx_.client, ctx_.caches.disruption_budgets, v.name, version, d,
                                                v.spec->disruption_budget);
    if (change == BudgetChange::None) continue;
    const std::string verb = change == BudgetChange::Created   ? "created"
                             : change == BudgetChange::Updated ? "updated"
                                                               : "deleted";
    event(v, false, "DisruptionBudget",
          "PodDisruptionBudget " + d["metadata"].value("name", "") + " of v" + std::to_string(version) + " " + verb);
  }
}

// docs/design.md, invariant 4: a version goes only once it is neither active nor a
// candidate, and only retireAfter after it became standby.
std::optional<Result> PipelineReconciler::retire_standby(View& v) {
  std::set<int64_t> candidates;
  for (const auto& r : v.reprocessings) {
    if (!is_terminal(r)) candidates.insert(version_of(r));
  }
  for (auto& [version, d] : v.deployments) {
    if (v.active && version == *v.active) {
      set_standby_since(v, d, std::nullopt);  // rolled back to: it is no longer standby
    } else if (v.active && !candidates.count(version) && standby_long_enough(v, d)) {
      retire_version(v, version, d);
    }
  }
  return std::nullopt;
}

void PipelineReconciler::set_standby_since(View& v, const json& deployment,
                                           std::optional<std::chrono::system_clock::time_point> since) {
  const bool marked = !annotation(deployment, api::kAnnotationStandbySince).empty();
  if (marked == since.has_value()) return;
  confirm_service(v);
  const json value = since ? json(kube::format_time(*since)) : json(nullptr);
  ctx_.client.patch(kube::resources::kDeployments, v.ns, deployment["metadata"].value("name", ""),
                    kube::PatchType::Merge, {{"metadata", {{"annotations", {{api::kAnnotationStandbySince, value}}}}}},
                    {});
}

// A standby version is marked with the time it became standby; true once
// retireAfter has passed since (else a pass is asked for then).
bool PipelineReconciler::standby_long_enough(View& v, const json& deployment) {
  const auto now = ctx_.wall_clock();
  const auto since = kube::parse_time(annotation(deployment, api::kAnnotationStandbySince));
  if (!since) {
    set_standby_since(v, deployment, now);
    v.requeue_within(v.spec->rollout.retire_after);
    return false;
  }
  if (now - *since < v.spec->rollout.retire_after) {
    v.requeue_within(millis(v.spec->rollout.retire_after - (now - *since)) + std::chrono::milliseconds(100));
    return false;
  }
  return true;
}

// docs/design.md, invariant 5: everything the Pipeline made goes before it does.
Result PipelineReconciler::finalize(View& v) {
  if (!has_finalizer(v.object, api::kFinalizer)) return Result::done();
  bool waiting = false;
  for (const auto& r : v.reprocessings) {
    waiting = true;
    if (!is_deleting(r)) {
      ctx_.client.remove(api::kReprocessings, v.ns, r["metadata"].value("name", ""), {});
    }
  }
  if (waiting) return Result::after(std::chrono::seconds(1));  // their finalizers clean candidates
  // A Pipeline that never made anything in Kafka (its credentials were
  // wrong from the start, say) is deleted without a Kafka call.
  const bool made_kafka_names =
      !v.deployments.empty() || !owned_kafka(v.object).value_or(std::vector<OwnedKafka>{}).empty();
  if (v.spec && made_kafka_names) {
    if (!v.kafka) v.kafka = ctx_.kafka.access(*v.spec);
    for (const auto& [version, d] : v.deployments) {
      if (delete_version(ctx_.client, *v.kafka->admin, version_parts(v, version, d), true) != CleanupStep::Done) {
        waiting = true;
      }
    }
    if (waiting) return Result::after(std::chrono::seconds(1));
    delete_all_owned_kafka(v);
  }
  if (v.spec) {
    try {
      const auto service = ctx_.client.get(kube::resources::kServices, v.ns, v.spec->service_name);
      if (api::is_controlled_by(service, v.object)) {
        ctx_.client.remove(kube::resources::kServices, v.ns, v.spec->service_name, {});
      }
    } catch (const kube::ApiError& e) {
      if (e.kind() != kube::ApiErrorKind::NotFound) throw;
    }
  }
  v.object = remove_finalizer(ctx_.client, api::kPipelines, v.object, api::kFinalizer);
  ctx_.metrics->pipeline_gone(v.ns, v.name);
  ctx_.kafka.forget(v.ns, v.name);
  spdlog::info("pipeline {}/{}: deleted with its versions, tables and groups", v.ns, v.name);
  return Result::done();
}

void PipelineReconciler::event(const View& v, bool warning, const std::string& reason, const std::string& note) {
  ctx_.event(v.object, warning, reason, note);
}

}  // namespace kappa::controllers
