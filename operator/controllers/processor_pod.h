#pragma once
// The pod a version's processor runs in, shared by a version's Deployment
// (the stream layer) and a Lambda generation's batch Job: the processor
// contract env (docs/processor-contract.md), restricted security settings
// and default resources.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/pipeline_spec.h"
#include "controllers/version_deployment.h"

namespace kappa::controllers {

// Which run of the version the pod is: its stream layer (a Kappa version or
// a Lambda speed layer), or a Lambda generation's bounded batch run.
enum class ProcessorRun { Stream, Batch };

// The container "processor", with the contract env of `run`.
nlohmann::json processor_container(const api::PipelineSpec& spec, const VersionPlan& plan,
                                   const std::vector<std::string>& secret_keys, ProcessorRun run);

// A pod spec running `container`: no service-account token (a processor
// never calls the API), restricted pod security, 30 s to shut down.
nlohmann::json processor_pod_spec(const VersionPlan& plan, nlohmann::json container);

// KAFKA_PROP_<NAME> for a librdkafka property name, as the reference
// processor reads it: '.' becomes '_', '_' becomes '__', upper case.
std::string kafka_property_env(const std::string& property);

}  // namespace kappa::controllers
