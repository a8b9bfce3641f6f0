// The Pipeline's status: what serves, what is being built, every live
// version, and the kstatus conditions (Ready summarises; Reconciling while a
// rollout runs; Stalled when it cannot go on by itself; Serving).
#include <set>

#include "api/duration.h"
#include "api/status_names.h"
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

  // The candidate's Stalled reason shows even before it has a version
  // (it may be stuck allocating one: Kafka unreachable, say).
  const json* candidate_status = v.candidate ? &status_of(*v.candidate) : nullptr;
  if (v.candidate && version_of(*v.candidate) > 0) {
    s["candidateVersion"] = version_of(*v.candidate);
    s["candidateLag"] = candidate_status->value("lag", candidate_status->value("startLag", int64_t{0}));
    s["candidateProgress"] = std::to_string(candidate_status->value("progressPercent", 0)) + "%";
    if (candidate_status->contains("etaSeconds")) {
      s["candidateETA"] = api::format_duration(std::chrono::seconds((*candidate_status)["etaSeconds"].get<int64_t>()));
    } else {
      s.erase("candidateETA");
    }
  } else {
    for (const char* field : {"candidateVersion", "candidateLag", "candidateProgress", "candidateETA"}) s.erase(field);
  }
  if (v.spec) s["versions"] = versions_list(v, now);
  const std::string rolled_back = v.service ? annotation(*v.service, api::kAnnotationRolledBackTemplate) : "";
  if (rolled_back.empty()) {
    s.erase("rolledBackTemplateHash");
  } else {
    s["rolledBackTemplateHash"] = rolled_back;
  }

  auto set = [&](const api::Condition& c) { api::set_condition(s["conditions"], c, generation, now); };

  // Serving
  api::Condition serving =
      api::condition_false(api::condition::kServing, api::reason::kNoActiveVersion, "no version has been promoted yet");
  if (v.service_conflict) {
    serving = api::condition_false(api::condition::kServing, api::reason::kServiceNotOwned,
                                   v.stalled ? v.stalled->message : "");
  } else if (v.active && v.deployments.count(*v.active)) {
    const auto& d = v.deployments[*v.active];
    const int32_t ready = ready_replicas(d);
    const std::string text = "Service " + (v.spec ? v.spec->service_name : std::string()) + " selects v" +
                             std::to_string(*v.active) + " (" + std::to_string(ready) + "/" +
                             std::to_string(d["spec"].value("replicas", 1)) + " replicas ready)";
    serving = ready > 0 ? api::condition_true(api::condition::kServing, api::reason::kActiveVersionServing, text)
                        : api::condition_false(api::condition::kServing, api::reason::kActiveVersionNotReady, text);
  } else if (v.active) {
    serving = api::condition_false(api::condition::kServing, api::reason::kActiveVersionMissing,
                                   "the Service selects v" + std::to_string(*v.active) + ", which has no Deployment");
  }
  set(serving);

  // Stalled: ours first, else the candidate's.
  api::Condition stalled = api::condition_false(api::condition::kStalled, api::reason::kProgressing, "");
  if (v.stalled) {
    stalled = *v.stalled;
  } else if (candidate_status) {
    const auto c = api::find_condition(candidate_status->value("conditions", json::array()), api::condition::kStalled);
    if (c && c->value("status", "") == "True") {
      stalled = api::condition_true(api::condition::kStalled, c->value("reason", api::reason::kCandidateStalled),
                                    (version_of(*v.candidate) > 0
                                        ? "v" + std::to_string(version_of(*v.candidate))
                                        : "Reprocessing " + (*v.candidate)["metadata"].value("name", std::string())) +
                                        ": " + c->value("message", ""));
    }
  }
  set(stalled);

  // Reconciling
  const bool template_applied = v.active && (v.active_hash == v.desired_hash ||
                                             s.value("rolledBackTemplateHash", "") == v.desired_hash);
  api::Condition reconciling =
      api::condition_false(api::condition::kReconciling, api::reason::kIdle, "nothing to roll out");
  if (v.spec && v.spec->paused) {
    reconciling = api::condition_false(api::condition::kReconciling, api::reason::kPaused,
                                       "spec.paused is true: no changes are made");
  } else if (candidate_status && v.candidate && version_of(*v.candidate) > 0) {
    const std::string phase = candidate_status->value("phase", "");
    const std::string version = "v" + std::to_string(version_of(*v.candidate));
    if (phase == api::phase::kPromotable) {
      reconciling = api::condition_true(api::condition::kReconciling, api::reason::kAwaitingPromotion,
                                        version + " is caught up and waits for promotion");
    } else if (phase == api::phase::kCatchingUp) {
      reconciling = api::condition_true(
          api::condition::kReconciling, api::reason::kCatchingUp,
          version + " catching up: lag " + std::to_string(s.value("candidateLag", int64_t{0})) + ", " +
              s.value("candidateProgress", std::string("0%")) +
              (s.contains("candidateETA") ? ", ETA " + s["candidateETA"].get<std::string>() : std::string()));
    } else {
      reconciling = api::condition_true(api::condition::kReconciling, api::reason::kProvisioning,
                                        version + " is being provisioned");
    }
  } else if (v.in_flight_any() || (!template_applied && !v.stalled)) {
    reconciling = api::condition_true(api::condition::kReconciling, api::reason::kRolloutPending,
                                      "a new version is being started");
  }
  set(reconciling);

  // Ready summarises.
  api::Condition ready = api::condition_true(api::condition::kReady, api::reason::kRolloutComplete, serving.message);
  if (serving.status != "True") {
    ready = api::condition_false(api::condition::kReady, serving.reason, serving.message);
  } else if (stalled.status == "True") {
    ready = api::condition_false(api::condition::kReady, stalled.reason, stalled.message);
  } else if (reconciling.status == "True") {
    ready = api::condition_false(api::condition::kReady, reconciling.reason, reconciling.message);
  } else if (!template_applied) {
    ready = api::condition_false(api::condition::kReady, api::reason::kTemplateNotRolledOut,
                                 v.spec && v.spec->paused ? "paused before the new template was rolled out"
                                                          : "the new template is not rolled out");
  } else if (s.value("rolledBackTemplateHash", "") == v.desired_hash && v.active_hash != v.desired_hash) {
    ready = api::condition_true(api::condition::kReady, api::reason::kRolledBack,
                                serving.message + "; rolled back: change spec.processor to roll forward again");
  }
  set(ready);
}

}  // namespace kappa::controllers
