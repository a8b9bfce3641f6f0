#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/pipeline_spec.h"

namespace kappa::controllers {

// Everything that makes version N of a pipeline what it is.
struct VersionPlan {
  int64_t version = 0;
  std::string reprocessing;   // the Reprocessing that builds it
  std::string template_hash;
  nlohmann::json processor;   // effective template (Pipeline's or the override)
  std::string deployment;
  std::string consumer_group;
  std::string output_topic;
  kafka::StartFrom start_from;
  nlohmann::json start_offsets = nlohmann::json::object();  // partition -> offset, as strings
  // A Lambda generation (empty for a Kappa version): the snapshot S_N
  // (partition -> offset, numbers) where its batch run stops and its speed
  // layer starts, and the batch run's names.
  nlohmann::json snapshot;
  std::string batch_job, batch_group, batch_table;

  bool lambda() const { return !batch_job.empty(); }
};

VersionPlan plan_version(const api::PipelineSpec& spec, int64_t version, const std::string& reprocessing,
                         const nlohmann::json& processor, const kafka::StartFrom& start_from);

// The Deployment `<pipeline>-v<N>` running the processor with the contract
// env of docs/processor-contract.md, owned by the Pipeline (so deleting the Pipeline
// garbage-collects it and a promoted version outlives its Reprocessing).
nlohmann::json build_version_deployment(const api::PipelineSpec& spec, const nlohmann::json& pipeline,
                                        const VersionPlan& plan, const std::vector<std::string>& secret_keys);

}  // namespace kappa::controllers
