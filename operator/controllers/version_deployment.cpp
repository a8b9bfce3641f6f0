#include "controllers/version_deployment.h"

#include <cctype>

#include "api/names.h"
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
  return plan;
}

std::string kafka_property_env(const std::string& property) {
  std::string out = "KAFKA_PROP_";
  for (char c : property) {
    if (c == '.') {
      out += '_';
    } else if (c == '_') {
      out += "__";
    } else {
      out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
  }
  return out;
}

namespace {

json contract_env(const api::PipelineSpec& spec, const VersionPlan& plan, const std::vector<std::string>& secret_keys) {
  const auto value = [](const std::string& name, const std::string& v) { return json{{"name", name}, {"value", v}}; };
  json env = json::array({
      value("KAFKA_BOOTSTRAP_SERVERS", spec.bootstrap_servers),
      value("KAPPA_PIPELINE", spec.name),
      value("KAPPA_VERSION", std::to_string(plan.version)),
      value("KAPPA_INPUT_TOPIC", spec.input_topic),
      value("KAPPA_CONSUMER_GROUP", plan.consumer_group),
      value("KAPPA_OUTPUT_TOPIC", plan.output_topic),
      value("KAPPA_START_FROM", api::start_from_env(plan.start_from)),
      value("KAPPA_CONFIG", plan.processor.value("config", json::object()).dump()),
      value("KAPPA_SERVING_PORT", std::to_string(spec.serving_port)),
      value("KAPPA_STATE_REPLICATION_FACTOR", std::to_string(spec.output_replication_factor)),
      // Each pod serves on its own address (the local stack's pods share a
      // host; in a cluster the pod IP is the pod's only address anyway).
      {{"name", "KAPPA_BIND_ADDRESS"}, {"valueFrom", {{"fieldRef", {{"fieldPath", "status.podIP"}}}}}},
  });
  for (const auto& key : secret_keys) {
    env.push_back({{"name", kafka_property_env(key)},
                   {"valueFrom", {{"secretKeyRef", {{"name", spec.secret_name}, {"key", key}}}}}});
  }
  // The user's env last: the contract is set by the operator, extra settings
  // are the user's own.
  for (const auto& e : plan.processor.value("env", json::array())) env.push_back(e);
  return env;
}

// Pod Security "restricted" by default, so a namespace that enforces it
// admits the version's pods: no root, no privilege escalation, no
// capabilities, the runtime's seccomp profile. A processor writes nothing
// to disk (its state lives in Kafka) and never calls the Kubernetes API.
json pod_security_context(const json& processor) {
  json context = {{"runAsNonRoot", true},
                  {"runAsUser", 65532},
                  {"runAsGroup", 65532},
                  {"seccompProfile", {{"type", "RuntimeDefault"}}}};
  if (processor.contains("securityContext") && processor["securityContext"].is_object()) {
    context.update(processor["securityContext"]);  // e.g. another UID the image needs
  }
  return context;
}

json container_security_context() {
  return {{"allowPrivilegeEscalation", false},
          {"readOnlyRootFilesystem", true},
          {"runAsNonRoot", true},
          {"capabilities", {{"drop", json::array({"ALL"})}}}};
}

// Requests so the scheduler places it; a memory limit so one version cannot
// take a node's memory. spec.processor.resources replaces both.
json default_resources() {
  return {{"requests", {{"cpu", "100m"}, {"memory", "256Mi"}}}, {"limits", {{"memory", "2Gi"}}}};
}

}  // namespace

json build_version_deployment(const api::PipelineSpec& spec, const json& pipeline, const VersionPlan& plan,
                              const std::vector<std::string>& secret_keys) {
  json labels = api::version_labels(spec.name, plan.version);
  const json selector = serving_selector(spec.name, plan.version);
  json object_labels = labels;
  object_labels[api::kLabelReprocessing] = plan.reprocessing;
  object_labels[api::kLabelTemplateHash] = plan.template_hash;

  json container = {
      {"name", "processor"},
      {"image", plan.processor.value("image", "")},
      {"imagePullPolicy", "IfNotPresent"},
      {"env", contract_env(spec, plan, secret_keys)},
      {"ports", json::array({{{"name", "http"}, {"containerPort", spec.serving_port}, {"protocol", "TCP"}}})},
      {"readinessProbe",
       {{"httpGet", {{"path", "/readyz"}, {"port", spec.serving_port}}},
        {"periodSeconds", 2},
        {"failureThreshold", 3}}},
      // Restarted when it stops answering at all (a replay or a restore is
      // still healthy, only not ready): a minute of silence.
      {"livenessProbe",
       {{"httpGet", {{"path", "/healthz"}, {"port", spec.serving_port}}},
        {"periodSeconds", 10},
        {"timeoutSeconds", 5},
        {"failureThreshold", 6}}},
      {"securityContext", container_security_context()},
      {"resources", plan.processor.value("resources", default_resources())},
  };
  if (plan.processor.contains("args")) container["args"] = plan.processor["args"];

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
          {"spec",
           {{"containers", json::array({container})},
            {"securityContext", pod_security_context(plan.processor)},
            {"automountServiceAccountToken", false},  // a processor never calls the API
            {"terminationGracePeriodSeconds", 30}}}}}}},
  };
}


}  // namespace kappa::controllers
