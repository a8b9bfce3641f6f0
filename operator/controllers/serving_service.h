#pragma once
// The serving Service of a Pipeline: the one object whose selector says
// which version serves (docs/design.md, invariant 2). Everything that reads
// or writes it goes through here: read (fresh, never from a cache), build
// and create, switch to a new version, roll back, restore.
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "api/pipeline_spec.h"
#include "kube/kube_client.h"

namespace kappa::controllers {

// The selector that makes `version` of `pipeline` the one serving.
nlohmann::json serving_selector(const std::string& pipeline, int64_t version);

// The version a serving Service selects (its kappa.dev/version selector).
std::optional<int64_t> selected_version(const nlohmann::json& service);

// The Service `spec.serving.serviceName` selecting `version`, owned by the
// Pipeline. Only ever created this way.
nlohmann::json build_serving_service(const api::PipelineSpec& spec, const nlohmann::json& pipeline, int64_t version,
                                     const std::string& switched_at);

// The Service as the API server has it now, or nothing when it is missing.
std::optional<nlohmann::json> read_serving_service(kube::KubeClient& client, const std::string& ns,
                                                   const std::string& name);

// Creates it selecting `version` (the first version, or a restore).
nlohmann::json create_serving_service(kube::KubeClient& client, const api::PipelineSpec& spec,
                                      const nlohmann::json& pipeline, int64_t version, const std::string& now);

// Points `service` (as read) at `version` in one PUT guarded by the
// resourceVersion it was read with, remembering the version it selected
// as the rollback target. A new version rolls forward: a rollback hold
// recorded on the Service goes.
nlohmann::json switch_serving_service(kube::KubeClient& client, nlohmann::json service, const std::string& pipeline,
                                      int64_t version, const std::string& now);

// Points `service` back at `target`, remembering the template rolled away
// from (held back until the spec changes). Guarded like a switch.
nlohmann::json roll_back_serving_service(kube::KubeClient& client, nlohmann::json service, int64_t target,
                                         const std::string& rolled_back_template, const std::string& now);

}  // namespace kappa::controllers
