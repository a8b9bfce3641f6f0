// The Pipeline's status: what serves, what is being built, every live
// version, and the kstatus conditions (Ready summarises; Reconciling while a
// rollout runs; Stalled when it cannot go on by itself; Serving).
#include <set>

#include "api/duration.h"
#include "api/status_names.h"
#include "controllers/generation_status.h"
#include "controllers/pipeline_view.h"
#include "controllers/version_state.h"
#include "kube/time_format.h"

namespace kappa::controllers {

namespace {

std::string candidate_state(const json& rp) {
  return status_of(rp).value("phase", "") == api::phase::kPromotable ? api::version_state::kPromotable
                                                                     : api::version_state::kCatchingUp;
}

json versions_list(const PipelineReconciler::View& v, const std::string& now) {
  std::map<int64_t, const json*> in_flight;
  for (const auto& r : v.reprocessings) {
    if (!is_terminal(r) && version_of(r) > 0) in_flight[version_of(r)] = &r;
  }
  json list = json::array();
  std::set<int64_t> live;
  for (const auto& [version, d] : v.deployments) {
    live.insert(version);
    json entry = {{"version", version},
                  {"templateHash", hash_label(d)},
                  {"deployment", d["metadata"].value("name", "")},
                  {"consumerGroup", api::consumer_group(v.ns, v.name, version)},
                  {"outputTopic", api::output_topic(v.spec->topic_prefix, v.name, version)}};
    std::string since;
    if (v.active && *v.active == version) {
      entry["state"] = api::version_state::kActive;
      if (v.service) since = annotation(*v.service, api::kAnnotationSwitchedAt);
    } else if (in_flight.count(version)) {
      const json& rp = *in_flight[version];
      entry["state"] = candidate_state(rp);
      if (status_of(rp).contains("lag")) entry["lag"] = status_of(rp)["lag"];
      since = status_of(rp).value("startedAt", "");
    } else {
      entry["state"] = api::version_state::kStandby;
      since = annotation(d, api::kAnnotationStandbySince);
    }
    entry["since"] = since.empty() ? now : since;
    list.push_back(entry);
  }
  // Retired versions stay listed (the newest few) so history is visible.
  std::vector<json> retired;
  for (const auto& e : v.status.value("versions", json::array())) {
    if (e.value("state", "") == api::version_state::kRetired) retired.push_back(e);
  }
  retired.insert(retired.end(), v.retired.begin(), v.retired.end());
  std::map<int64_t, json> by_version;
  for (const auto& e : retired) {
    const int64_t version = e.value("version", int64_t{0});
    if (!live.count(version)) by_version[version] = e;
  }
  std::vector<json> kept;
  for (auto it = by_version.rbegin(); it != by_version.rend() && kept.size() < kRetiredHistory; ++it) {
    kept.push_back(it->second);
  }
  for (auto it = kept.rbegin(); it != kept.rend(); ++it) list.push_back(*it);
  return list;
}

using View = PipelineReconciler::View;

// What the candidate is doing, as the printer columns show it.
void record_candidate(json& s, const View& v) {
  if (!v.candidate || version_of(*v.candidate) <= 0) {
    for (const char* field : {"candidateVersion", "candidateLag", "candidateProgress", "candidateETA"}) s.erase(field);
    return;
  }
  const json& c = status_of(*v.candidate);
  s["candidateVersion"] = version_of(*v.candidate);
  s["candidateLag"] = c.value("lag", c.value("startLag", int64_t{0}));
  s["candidateProgress"] = std::to_string(c.value("progressPercent", 0)) + "%";
  if (c.contains("etaSeconds")) {
    s["candidateETA"] = api::format_duration(std::chrono::seconds(c["etaSeconds"].get<int64_t>()));
  } else {
    s.erase("candidateETA");
  }
}

api::Condition serving_condition(const View& v) {
  using api::condition_false;
  if (v.service_conflict) {
    return condition_false(api::condition::kServing, api::reason::kServiceNotOwned, v.stalled ? v.stalled->message : "");
  }
  if (!v.active) {
    return condition_false(api::condition::kServing, api::reason::kNoActiveVersion, "no version has been promoted yet");
  }
  const auto d = v.deployments.find(*v.active);
  if (d == v.deployments.end()) {
    return condition_false(api::condition::kServing, api::reason::kActiveVersionMissing,
                           "the Service selects v" + std::to_string(*v.active) + ", which has no Deployment");
  }
  const int32_t ready = ready_replicas(d->second);
  const std::string text = "Service " + (v.spec ? v.spec->service_name : std::string()) + " selects v" +
                           std::to_string(*v.active) + " (" + std::to_string(ready) + "/" +
                           std::to_string(d->second["spec"].value("replicas", 1)) + " replicas ready)";
  return ready > 0 ? api::condition_true(api::condition::kServing, api::reason::kActiveVersionServing, text)
                   : condition_false(api::condition::kServing, api::reason::kActiveVersionNotReady, text);
}

// Ours first, else the candidate's: its reason shows even before it has a
// version (it may be stuck allocating one: Kafka unreachable, say).
api::Condition stalled_condition(const View& v) {
  if (v.stalled) return *v.stalled;
  const auto c = v.candidate ? api::find_condition(status_of(*v.candidate).value("conditions", json::array()),
                                                   api::condition::kStalled)
                             : std::nullopt;
  if (!c || c->value("status", "") != "True") {
    return api::condition_false(api::condition::kStalled, api::reason::kProgressing, "");
  }
  const std::string who = version_of(*v.candidate) > 0
                              ? "v" + std::to_string(version_of(*v.candidate))
                              : "Reprocessing " + (*v.candidate)["metadata"].value("name", std::string());
  return api::condition_true(api::condition::kStalled, c->value("reason", api::reason::kCandidateStalled),
                             who + ": " + c->value("message", ""));
}

bool template_applied(const View& v, const json& s) {
  return v.active && (v.active_hash == v.desired_hash || s.value("rolledBackTemplateHash", "") == v.desired_hash);
}

bool is_lambda(const View& v) { return v.spec && v.spec->architecture == api::Architecture::Lambda; }

// A generation's batch run: it can take long, and serving goes on meanwhile.
std::string batch_running_message(const View& v) {
  const json& c = status_of(*v.candidate);
  const std::string job = c.value("batchJob", "");
  return "generation " + std::to_string(version_of(*v.candidate)) + ": batch run" +
         (job.empty() ? std::string() : " (Job " + job + ")") + " folding " +
         std::to_string(c.value("batchRecords", int64_t{0})) + " records up to its snapshot; " +
         (v.active ? "v" + std::to_string(*v.active) + " keeps serving" : std::string("nothing serves yet"));
}

// What the candidate is doing. A Lambda candidate's catch-up is its speed
// layer's: the batch run before it has its own reason.
api::Condition candidate_reconciling(const View& v, const json& s) {
  using api::condition_true;
  const char* type = api::condition::kReconciling;
  const std::string phase = status_of(*v.candidate).value("phase", "");
  const std::string version = "v" + std::to_string(version_of(*v.candidate));
  if (phase == api::phase::kPromotable) {
    return condition_true(type, api::reason::kAwaitingPromotion, version + " is caught up and waits for promotion");
  }
  if (phase == api::phase::kBatching) return condition_true(type, api::reason::kBatchRunning, batch_running_message(v));
  if (phase == api::phase::kCatchingUp) {
    const std::string who = is_lambda(v) ? "generation " + std::to_string(version_of(*v.candidate)) + "'s speed layer"
                                         : version;
    return condition_true(
        type, api::reason::kCatchingUp,
        who + " catching up: lag " + std::to_string(s.value("candidateLag", int64_t{0})) + ", " +
            s.value("candidateProgress", std::string("0%")) +
            (s.contains("candidateETA") ? ", ETA " + s["candidateETA"].get<std::string>() : std::string()));
  }
  return condition_true(type, api::reason::kProvisioning, version + " is being provisioned");
}

api::Condition reconciling_condition(const View& v, const json& s) {
  const char* type = api::condition::kReconciling;
  if (v.spec && v.spec->paused) {
    return api::condition_false(type, api::reason::kPaused, "spec.paused is true: no changes are made");
  }
  if (v.candidate && version_of(*v.candidate) > 0) return candidate_reconciling(v, s);
  if (v.in_flight_any() || (!template_applied(v, s) && !v.stalled)) {
    return api::condition_true(type, api::reason::kRolloutPending,
                               is_lambda(v) ? "a new generation is being started" : "a new version is being started");
  }
  return api::condition_false(type, api::reason::kIdle, "nothing to roll out");
}

// Ready summarises: the first of the other conditions that is not well.
api::Condition ready_condition(const View& v, const json& s, const api::Condition& serving,
                               const api::Condition& stalled, const api::Condition& reconciling) {
  const char* type = api::condition::kReady;
  if (serving.status != "True") return api::condition_false(type, serving.reason, serving.message);
  if (stalled.status == "True") return api::condition_false(type, stalled.reason, stalled.message);
  if (reconciling.status == "True") return api::condition_false(type, reconciling.reason, reconciling.message);
  if (!template_applied(v, s)) {
    return api::condition_false(type, api::reason::kTemplateNotRolledOut,
                                v.spec && v.spec->paused ? "paused before the new template was rolled out"
                                                         : "the new template is not rolled out");
  }
  if (s.value("rolledBackTemplateHash", "") == v.desired_hash && v.active_hash != v.desired_hash) {
    return api::condition_true(type, api::reason::kRolledBack,
                               serving.message + "; rolled back: change spec.processor to roll forward again");
  }
  return api::condition_true(type, api::reason::kRolloutComplete, serving.message);
}

}  // namespace

void PipelineReconciler::compute_status(View& v) {
  auto& s = v.status;
  const int64_t generation = v.object["metadata"].value("generation", int64_t{0});
  const std::string now = kube::format_time(ctx_.wall_clock());
  s["observedGeneration"] = generation;
  if (v.active) {
    s["activeVersion"] = *v.active;
  } else if (v.service) {
    s.erase("activeVersion");
  }  // Service missing: keep the last active version, to restore it
  record_candidate(s, v);
  if (is_lambda(v)) record_generations(s, v.reprocessings);
  if (v.spec) s["versions"] = versions_list(v, now);
  const std::string rolled_back = v.service ? annotation(*v.service, api::kAnnotationRolledBackTemplate) : "";
  if (rolled_back.empty()) {
    s.erase("rolledBackTemplateHash");
  } else {
    s["rolledBackTemplateHash"] = rolled_back;
  }
  const auto serving = serving_condition(v);
  const auto stalled = stalled_condition(v);
  const auto reconciling = reconciling_condition(v, s);
  for (const auto& c : {serving, stalled, reconciling, ready_condition(v, s, serving, stalled, reconciling)}) {
    api::set_condition(s["conditions"], c, generation, now);
  }
}

}  // namespace kappa::controllers
