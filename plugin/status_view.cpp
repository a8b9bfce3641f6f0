#include "plugin/status_view.h"

#include <algorithm>
#include <map>

#include "api/duration.h"
#include "plugin/generation_view.h"
#include "plugin/table.h"

namespace kappa::plugin {
namespace {

const json kEmpty = json::object();

const json& member(const json& object, const char* key) {
  if (!object.is_object()) return kEmpty;
  const auto it = object.find(key);
  return it != object.end() && it->is_object() ? *it : kEmpty;
}

std::string version_name(std::optional<int64_t> v) { return v ? "v" + std::to_string(*v) : "-"; }

// The Reprocessing building a version, preferring one still in flight
// over an earlier, finished attempt at the same version.
const json* reprocessing_of(const std::vector<json>& reprocessings, int64_t version) {
  const json* found = nullptr;
  for (const auto& r : reprocessings) {
    const json& status = member(r, "status");
    if (int_field(status, "version") != version) continue;
    const std::string phase = string_field(status, "phase");
    if (!found || (phase != "Succeeded" && phase != "Aborted" && phase != "Failed")) found = &r;
  }
  return found;
}

std::string conditions_block(const json& status) {
  Table table({"CONDITION", "STATUS", "REASON", "MESSAGE"});
  const json conditions = status.value("conditions", json::array());
  for (const char* type : {"Ready", "Reconciling", "Stalled"}) {
    const auto it = std::find_if(conditions.begin(), conditions.end(),
                                 [&](const json& c) { return string_field(c, "type") == type; });
    if (it == conditions.end()) {
      table.add({type, "Unknown", "-", "not reported yet"});
    } else {
      table.add({type, string_field(*it, "status"), string_field(*it, "reason"), string_field(*it, "message")});
    }
  }
  return table.render("  ");
}

bool is_lambda(const json& spec) { return string_field(spec, "architecture") == "Lambda"; }

// What the candidate's row says beyond its state: progress once lag is
// measured (a Lambda candidate's lag is its speed layer's, after its batch
// run), the phase before that, and why it is stuck if it is.
std::string candidate_detail(const json& reprocessing, bool manual, bool lambda, Clock::time_point now) {
  const json& status = member(reprocessing, "status");
  const std::string phase = string_field(status, "phase");
  std::string text;
  if (lambda && phase == "Batching") {
    text = batch_detail(status, now);
  } else if (int_field(status, "lag")) {
    text = (lambda ? "speed layer " : "") + progress_line(status);
  } else {
    text = (phase.empty() ? "Pending" : phase) + " (lag not measured yet)";
  }
  for (const auto& c : status.value("conditions", json::array())) {
    if (string_field(c, "type") == "Stalled" && string_field(c, "status") == "True") {
      text += "  STALLED " + string_field(c, "reason") + ": " + string_field(c, "message");
    }
  }
  if (phase == "Promotable" && manual) text += "  (waiting for: kubectl kappa promote)";
  return text;
}

// The Pipeline, its Service, what serves and what is being built.
std::string header(const json& pipeline, const json* candidate_rp, Clock::time_point now) {
  const json& meta = member(pipeline, "metadata");
  const json& spec = member(pipeline, "spec");
  const json& status = member(pipeline, "status");
  std::string out = "Pipeline   " + string_field(meta, "name") + " (namespace " + string_field(meta, "namespace") + ")";
  if (spec.value("paused", false)) out += "  PAUSED: no new versions are rolled out";
  out += "\n";
  if (is_lambda(spec)) out += architecture_line(spec);
  out += "Service    " + string_field(member(spec, "serving"), "serviceName") + "\n";
  out += "Active     " + version_name(int_field(status, "activeVersion")) + "\n";
  out += "Candidate  " + version_name(int_field(status, "candidateVersion"));
  if (candidate_rp) {
    out += " (Reprocessing " + string_field(member(*candidate_rp, "metadata"), "name") + ", phase " +
           string_field(member(*candidate_rp, "status"), "phase") + ")";
  }
  out += "\n";
  if (is_lambda(spec)) out += serving_generation_lines(status, now);
  return out;
}

// The versions newest first: the candidate on top, then what serves, then
// history. A candidate the Pipeline's status does not list yet still gets
// a row, from its Reprocessing.
std::map<int64_t, json, std::greater<>> versions_of(const json& status, std::optional<int64_t> candidate,
                                                    const json* candidate_rp) {
  std::map<int64_t, json, std::greater<>> versions;
  for (const auto& e : status.value("versions", json::array())) {
    if (const auto v = int_field(e, "version")) versions[*v] = e;
  }
  if (candidate && candidate_rp && !versions.count(*candidate)) {
    const json& rs = member(*candidate_rp, "status");
    versions[*candidate] = {{"version", *candidate},
                            {"state", string_field(rs, "phase")},
                            {"templateHash", string_field(rs, "templateHash")},
                            {"since", string_field(rs, "startedAt")}};
  }
  return versions;
}

std::string versions_block(const json& pipeline, const json* candidate_rp, Clock::time_point now) {
  const json& spec = member(pipeline, "spec");
  const json& status = member(pipeline, "status");
  const auto candidate = int_field(status, "candidateVersion");
  const bool manual = string_field(member(spec, "rollout"), "promotion") == "Manual";
  const auto versions = versions_of(status, candidate, candidate_rp);
  if (versions.empty()) return "  no versions yet\n";
  Table table({"VERSION", "STATE", "TEMPLATE", "SINCE", "PROGRESS"});
  for (const auto& [v, e] : versions) {
    const std::string state = string_field(e, "state");
    std::string detail;
    if (candidate && v == *candidate) {
      if (candidate_rp) {
        detail = candidate_detail(*candidate_rp, manual, is_lambda(spec), now);
      } else if (const auto lag = int_field(e, "lag")) {
        detail = "lag " + group_digits(*lag);
      }
    } else if (state == "Active") {
      detail = "serving";
      const auto lag = int_field(e, "lag");
      if (is_lambda(spec) && lag) detail += " (speed layer lag " + group_digits(*lag) + ")";
    } else if (state == "Standby") {
      detail = "warm: rollback target";
    }
    table.add({"v" + std::to_string(v), state, string_field(e, "templateHash"), age(string_field(e, "since"), now),
               detail});
  }
  return table.render("  ");
}

}  // namespace

std::string progress_line(const json& status) {
  const int64_t lag = int_field(status, "lag").value_or(0);
  const int64_t percent = std::clamp<int64_t>(int_field(status, "progressPercent").value_or(0), 0, 100);
  std::string pct = std::to_string(percent) + "%";
  pct.insert(0, 4 - pct.size(), ' ');
  std::string lag_text = "lag " + group_digits(lag);
  std::string line = lag_text + "   " + progress_bar(percent) + " " + pct;
  if (const auto rate = int_field(status, "recordsPerSecond")) line += "  " + group_digits(*rate) + " rec/s";
  if (const auto eta = int_field(status, "etaSeconds")) {
    line += "  ETA " + api::format_duration(std::chrono::seconds(*eta));
  }
  return line;
}

std::string render_status(const json& pipeline, const std::vector<json>& reprocessings, Clock::time_point now) {
  const json& status = member(pipeline, "status");
  const auto candidate = int_field(status, "candidateVersion");
  const json* candidate_rp = candidate ? reprocessing_of(reprocessings, *candidate) : nullptr;
  std::string out = header(pipeline, candidate_rp, now) + "\n" + conditions_block(status) + "\n" +
                    versions_block(pipeline, candidate_rp, now);
  if (is_lambda(member(pipeline, "spec"))) out += "\n" + batch_runs_block(status, now);
  return out;
}

}  // namespace kappa::plugin
