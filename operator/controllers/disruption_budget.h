#pragma once
// The optional PodDisruptionBudget of a version (spec.podDisruptionBudget):
// one per version Deployment, named like it and owned by it, so it goes
// when the version is retired or its Reprocessing cleans it up.
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "kube/kube_client.h"
#include "kube/object_cache.h"

namespace kappa::controllers {

// The budget `budget` ({minAvailable} or {maxUnavailable}) over the pods of
// `version` of `pipeline`, owned by the version's Deployment.
nlohmann::json build_disruption_budget(const std::string& pipeline, int64_t version, const nlohmann::json& deployment,
                                       const nlohmann::json& budget);

enum class BudgetChange { None, Created, Updated, Deleted };

// Makes the version's PodDisruptionBudget match `budget` (null: none),
// reading what exists from `cache`. Never touches a budget the Deployment
// does not own.
BudgetChange apply_disruption_budget(kube::KubeClient& client, const kube::ObjectCache& cache,
                                     const std::string& pipeline, int64_t version, const nlohmann::json& deployment,
                                     const nlohmann::json& budget);

}  // namespace kappa::controllers
