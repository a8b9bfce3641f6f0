#include "controllers/batch_job.h"

#include "api/names.h"
#include "controllers/processor_pod.h"

namespace kappa::controllers {

using nlohmann::json;

json build_batch_job(const api::PipelineSpec& spec, const json& pipeline, const VersionPlan& plan,
                     const std::vector<std::string>& secret_keys) {
  json pod_labels = api::version_labels(spec.name, plan.version);
  pod_labels.erase(api::kLabelVersion);
  pod_labels[kLabelBatchOf] = std::to_string(plan.version);
  json job_labels = api::version_labels(spec.name, plan.version);
  job_labels[api::kLabelReprocessing] = plan.reprocessing;
  job_labels[api::kLabelTemplateHash] = plan.template_hash;

  json pod = processor_pod_spec(plan, processor_container(spec, plan, secret_keys, ProcessorRun::Batch));
  pod["restartPolicy"] = "Never";
  const json fail_on_refused_config = {
      {"action", "FailJob"},
      {"onExitCodes", {{"containerName", "processor"}, {"operator", "In"}, {"values", json::array({2})}}}};
  return {{"apiVersion", "batch/v1"},
          {"kind", "Job"},
          {"metadata",
           {{"name", plan.batch_job},
            {"namespace", spec.ns},
            {"labels", job_labels},
            {"ownerReferences", json::array({api::controller_reference(pipeline)})}}},
          {"spec",
           {{"backoffLimit", spec.batch.backoff_limit},
            {"completions", 1},
            {"parallelism", 1},
            // A finished run is kept a day for its logs (retirement deletes it sooner).
            {"ttlSecondsAfterFinished", 86400},
            {"podFailurePolicy", {{"rules", json::array({fail_on_refused_config})}}},
            {"template", {{"metadata", {{"labels", pod_labels}}}, {"spec", pod}}}}}};
}

BatchOutcome batch_outcome(const json& job) {
  const json status = job.value("status", json::object());
  for (const auto& c : status.value("conditions", json::array())) {
    if (c.value("status", "") != "True") continue;
    const std::string type = c.value("type", "");
    if (type == "Complete") return {BatchOutcome::State::Succeeded, "", ""};
    if (type == "Failed") return {BatchOutcome::State::Failed, c.value("reason", ""), c.value("message", "")};
  }
  return {};
}

}  // namespace kappa::controllers
