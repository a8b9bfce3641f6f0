#include "controllers/cache_trim.h"

namespace kappa::controllers {

void trim_cached_pod(nlohmann::json& pod) {
  if (pod.is_object()) pod.erase("spec");
}

void trim_cached_deployment(nlohmann::json& deployment) {
  if (!deployment.is_object()) return;
  const auto spec = deployment.find("spec");
  if (spec != deployment.end() && spec->is_object()) spec->erase("template");
}

}  // namespace kappa::controllers
