#include "controllers/version_state.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <set>

#include <spdlog/spdlog.h>

#include "api/names.h"
#include "api/status_names.h"

namespace kappa::controllers {

using nlohmann::json;

int32_t ready_replicas(const json& deployment) {
  return deployment.value("status", json::object()).value("readyReplicas", 0);
}

bool all_replicas_ready(const json& deployment) {
  const auto spec = deployment.value("spec", json::object());
  const auto status = deployment.value("status", json::object());
  const int32_t wanted = spec.value("replicas", 1);
  return status.value("updatedReplicas", 0) >= wanted && status.value("readyReplicas", 0) >= wanted &&
         status.value("replicas", 0) == wanted;
}

namespace {

// "; exit code 2: <the last line of its termination message>": why the
// container last ended, in its own words (the processor's last line names
// what it refused; FallbackToLogsOnError makes it the message).
std::string last_exit(const json& container_status) {
  const auto terminated =
      container_status.value("lastState", json::object()).value("terminated", json::object());
  if (!terminated.contains("exitCode")) return "";
  std::string out = "; exit code " + std::to_string(terminated.value("exitCode", 0));
  std::string text = terminated.value("message", "");
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  if (const auto newline = text.rfind('\n'); newline != std::string::npos) text.erase(0, newline + 1);
  constexpr std::size_t kLongest = 1024;
  if (text.size() > kLongest) {
    std::size_t cut = kLongest;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // not inside a character
    text = text.substr(0, cut) + "...";
  }
  return text.empty() ? out : out + ": " + text;
}

}  // namespace

std::optional<PodTrouble> pod_trouble(const std::vector<json>& pods) {
  // Waiting reasons a kubelet reports for a container that will not run
  // without someone changing something.
  static const std::map<std::string, std::string> kStuck = {
      {"CrashLoopBackOff", "CandidateCrashLooping"},   {"ErrImagePull", "ImageUnavailable"},
      {"ImagePullBackOff", "ImageUnavailable"},        {"InvalidImageName", "ImageUnavailable"},
      {"CreateContainerConfigError", "PodConfigError"}, {"CreateContainerError", "PodConfigError"},
  };
  for (const auto& pod : pods) {
    const auto statuses = pod.value("status", json::object()).value("containerStatuses", json::array());
    for (const auto& cs : statuses) {
      const auto waiting = cs.value("state", json::object()).value("waiting", json::object());
      const auto it = kStuck.find(waiting.value("reason", ""));
      if (it == kStuck.end()) continue;
      std::string message = "pod " + pod["metadata"].value("name", "") + ": " + it->first;
      const std::string detail = waiting.value("message", "");
      if (!detail.empty()) message += ": " + detail;
      if (cs.value("restartCount", 0) > 0) message += " (restarts: " + std::to_string(cs.value("restartCount", 0)) + ")";
      message += last_exit(cs);
      return PodTrouble{it->second, message};
    }
  }
  return std::nullopt;
}

std::optional<PodTrouble> replica_failure(const json& deployment) {
  for (const auto& c : deployment.value("status", json::object()).value("conditions", json::array())) {
    if (c.value("type", "") != "ReplicaFailure" || c.value("status", "") != "True") continue;
    return PodTrouble{api::reason::kPodsNotCreated, "Deployment " + deployment["metadata"].value("name", "") +
                                                         " cannot create pods (" + c.value("reason", "") +
                                                         "): " + c.value("message", "")};
  }
  return std::nullopt;
}

json offsets_json(const std::map<int32_t, int64_t>& offsets) {
  json out = json::object();
  for (const auto& [partition, offset] : offsets) out[std::to_string(partition)] = offset;
  return out;
}

int64_t sum_lag(const std::map<int32_t, int64_t>& end, const std::map<int32_t, int64_t>& start) {
  int64_t total = 0;
  for (const auto& [partition, offset] : end) {
    const auto it = start.find(partition);
    total += std::max<int64_t>(0, offset - (it == start.end() ? 0 : it->second));
  }
  return total;
}

// The annotation is ours, but anyone may edit it: one that is not a map of
// partition numbers to offsets counts as absent (with a warning), so lag
// counts uncommitted partitions from the log start instead of every
// reconcile failing.
std::optional<std::map<int32_t, int64_t>> offsets_from_json(const json& offsets) {
  if (!offsets.is_object()) return std::nullopt;
  std::map<int32_t, int64_t> out;
  for (const auto& [partition, offset] : offsets.items()) {
    int32_t number = -1;
    const auto [end, error] = std::from_chars(partition.data(), partition.data() + partition.size(), number);
    if (error != std::errc() || end != partition.data() + partition.size() || number < 0 ||
        !offset.is_number_integer()) {
      return std::nullopt;
    }
    out[number] = offset.get<int64_t>();
  }
  return out;
}

std::map<int32_t, int64_t> start_offsets_of(const json& deployment) {
  const auto annotations = deployment["metadata"].value("annotations", json::object());
  const std::string text = annotations.value(api::kAnnotationStartOffsets, "");
  if (text.empty()) return {};
  if (auto offsets = offsets_from_json(json::parse(text, nullptr, /*allow_exceptions=*/false))) return *offsets;
  spdlog::warn("Deployment {}/{}: annotation {} is not a map of partitions to offsets; ignored",
               deployment["metadata"].value("namespace", ""), deployment["metadata"].value("name", ""),
               api::kAnnotationStartOffsets);
  return {};
}

}  // namespace kappa::controllers
