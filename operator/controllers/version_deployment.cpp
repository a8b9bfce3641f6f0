#include "controllers/version_deployment.h"

#include "api/names.h"
#include "controllers/processor_pod.h"
#include "controllers/serving_service.h"

namespace kappa::controllers {

using nlohmann::json;

VersionPlan plan_version(const api::PipelineSpec& spec, int64_t version, const std::string& reprocessing,
                         const json& processor, const kafka::StartFrom& start_from) {
  VersionPlan plan;
  plan.version = version;
  plan.reprocessing = reprocessing;
  plan.processor = processor;
  plan.template_hash = api::template_hash(processor, spec);
  plan.deployment = api::deployment_name(spec.name, version);
  plan.consumer_group = api::consumer_group(spec.ns, spec.name, version);
  plan.output_topic = api::output_topic(spec.topic_prefix, spec.name, version);
  plan.start_from = start_from;
  if (spec.architecture == api::Architecture::Lambda) {
    plan.batch_job = api::batch_job_name(spec.name, version);
    plan.batch_group = api::batch_consumer_group(spec.ns, spec.name, version);
    plan.batch_table = api::batch_table(plan.output_topic);
  }
  return plan;
}

json build_version_deployment(const api::PipelineSpec& spec, const json& pipeline, const VersionPlan& plan,
                              const std::vector<std::string>& secret_keys) {
  json labels = api::version_labels(spec.name, plan.version);
  const json selector = serving_selector(spec.name, plan.version);
  json object_labels = labels;
  object_labels[api::kLabelReprocessing] = plan.reprocessing;
  object_labels[api::kLabelTemplateHash] = plan.template_hash;

  json container = processor_container(spec, plan, secret_keys, ProcessorRun::Stream);
  container["ports"] = json::array({{{"name", "http"}, {"containerPort", spec.serving_port}, {"protocol", "TCP"}}});
  container["readinessProbe"] = {{"httpGet", {{"path", "/readyz"}, {"port", spec.serving_port}}},
                                 {"periodSeconds", 2},
                                 {"failureThreshold", 3}};
  // Restarted when it stops answering at all (a replay or a restore is
  // still healthy, only not ready): a minute of silence.
  container["livenessProbe"] = {{"httpGet", {{"path", "/healthz"}, {"port", spec.serving_port}}},
                                {"periodSeconds", 10},
                                {"timeoutSeconds", 5},
                                {"failureThreshold", 6}};

  return {
      {"apiVersion", "apps/v1"},
      {"kind", "Deployment"},
      {"metadata",
       {{"name", plan.deployment},
        {"namespace", spec.ns},
        {"labels", object_labels},
        {"annotations", {{api::kAnnotationStartOffsets, plan.start_offsets.dump()}}},
        {"ownerReferences", json::array({api::controller_reference(pipeline)})}}},
      {"spec",
       {{"replicas", spec.replicas},
        {"selector", {{"matchLabels", selector}}},
        {"template",
         {{"metadata", {{"labels", labels}}},
          {"spec", processor_pod_spec(plan, std::move(container))}}}}},
  };
}


}  // namespace kappa::controllers
