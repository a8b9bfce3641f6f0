#pragma once
// What makes each controller look at a key again: the informers' events
// mapped to work-queue keys (controller-runtime's SetupWithManager).
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kube/controller.h"
#include "kube/informer.h"

namespace kappa::controllers {

// The informers the controllers read; the manager owns and starts them.
struct Informers {
  kube::Informer& pipelines;
  kube::Informer& reprocessings;
  kube::Informer& deployments;
  kube::Informer& services;
  kube::Informer& pods;
  kube::Informer& disruption_budgets;
  kube::Informer& jobs;
};

// The Reprocessings cache's index of "namespace/pipeline" a Reprocessing
// refers to: a Pipeline's Reprocessings are a lookup, not a scan of its
// namespace. The manager registers it; so must anything that builds the
// controllers' caches (test harnesses).
inline constexpr const char* kByPipelineRef = "pipelineRef";
std::vector<std::string> pipeline_ref_index(const nlohmann::json& reprocessing);

// The Pipeline controller: its Pipelines, every Reprocessing referring to
// one, the Deployments and Service it owns, and its versions'
// PodDisruptionBudgets (owned by the Deployments).
void watch_for_pipelines(kube::Controller& pipelines, Informers& informers);

// The Reprocessing controller: its Reprocessings, their Pipeline's spec and
// annotations, and the Deployment, pods and Service of the version each one
// builds, and a Lambda generation's batch Job.
void watch_for_reprocessings(kube::Controller& reprocessings, Informers& informers);

}  // namespace kappa::controllers
