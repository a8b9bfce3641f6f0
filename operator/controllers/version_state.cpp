#include "controllers/version_state.h"

#include <map>
#include <set>

#include "api/names.h"

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
      return PodTrouble{it->second, message};
    }
  }
  return std::nullopt;
}

std::map<int32_t, int64_t> start_offsets_of(const json& deployment) {
  std::map<int32_t, int64_t> out;
  const auto annotations = deployment["metadata"].value("annotations", json::object());
  const std::string text = annotations.value(api::kAnnotationStartOffsets, "");
  const json parsed = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_object()) return out;
  for (const auto& [partition, offset] : parsed.items()) {
    if (offset.is_number_integer()) out[std::stoi(partition)] = offset.get<int64_t>();
  }
  return out;
}

}  // namespace kappa::controllers
