#pragma once
// What the controllers never read of the objects they cache, dropped before
// caching: at a thousand Pipelines a pod's spec and a Deployment's pod
// template are most of those caches' memory. What is kept answers every
// question the controllers ask (readiness, replica failures, pod trouble,
// the start offsets on the Deployment); writes never start from a cached
// copy of either (a replica change is a patch).
#include <nlohmann/json.hpp>

namespace kappa::controllers {

void trim_cached_pod(nlohmann::json& pod);                // drops spec
void trim_cached_deployment(nlohmann::json& deployment);  // drops spec.template

}  // namespace kappa::controllers
