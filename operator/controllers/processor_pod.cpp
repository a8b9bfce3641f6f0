#include "controllers/processor_pod.h"

#include <cctype>

#include "api/names.h"

namespace kappa::controllers {

using nlohmann::json;

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

json env_value(const std::string& name, const std::string& value) { return {{"name", name}, {"value", value}}; }

// What differs between the runs of a version: a batch run folds from
// startFrom up to the snapshot into its own group and table and exits; a
// speed layer starts at the snapshot and serves merge(batch, speed); a
// Kappa version replays from startFrom and serves its table.
json run_env(const api::PipelineSpec& spec, const VersionPlan& plan, ProcessorRun run) {
  if (run == ProcessorRun::Batch) {
    return json::array({env_value("KAPPA_CONSUMER_GROUP", plan.batch_group),
                        env_value("KAPPA_OUTPUT_TOPIC", plan.batch_table),
                        env_value("KAPPA_START_FROM", api::start_from_env(plan.start_from)),
                        env_value("KAPPA_BOUNDED", "true"), env_value("KAPPA_STOP_AT", plan.snapshot.dump())});
  }
  json env = json::array({env_value("KAPPA_CONSUMER_GROUP", plan.consumer_group),
                          env_value("KAPPA_OUTPUT_TOPIC", plan.output_topic),
                          env_value("KAPPA_SERVING_PORT", std::to_string(spec.serving_port)),
                          // Each pod serves on its own address (the local stack's pods
                          // share a host; in a cluster the pod IP is its only address).
                          {{"name", "KAPPA_BIND_ADDRESS"}, {"valueFrom", {{"fieldRef", {{"fieldPath", "status.podIP"}}}}}}});
  if (plan.lambda()) {
    env.push_back(env_value("KAPPA_START_FROM", plan.snapshot.dump()));
    env.push_back(env_value("KAPPA_BATCH_STATE_TOPIC", api::state_topic(plan.batch_table)));
  } else {
    env.push_back(env_value("KAPPA_START_FROM", api::start_from_env(plan.start_from)));
  }
  return env;
}

json contract_env(const api::PipelineSpec& spec, const VersionPlan& plan, const std::vector<std::string>& secret_keys,
                  ProcessorRun run) {
  json env = json::array({
      env_value("KAFKA_BOOTSTRAP_SERVERS", spec.bootstrap_servers),
      env_value("KAPPA_PIPELINE", spec.name),
      env_value("KAPPA_VERSION", std::to_string(plan.version)),
      env_value("KAPPA_INPUT_TOPIC", spec.input_topic),
      env_value("KAPPA_CONFIG", plan.processor.value("config", json::object()).dump()),
      env_value("KAPPA_STATE_REPLICATION_FACTOR", std::to_string(spec.output_replication_factor)),
  });
  for (auto& e : run_env(spec, plan, run)) env.push_back(std::move(e));
  if (!spec.input_keyed_by_view_key) env.push_back(env_value("KAPPA_INPUT_KEYING", "Any"));
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
// take a node's memory. spec.processor.resources (spec.batch.resources for
// a batch run) replaces both.
json resources_of(const api::PipelineSpec& spec, const VersionPlan& plan, ProcessorRun run) {
  if (run == ProcessorRun::Batch && !spec.batch.resources.is_null()) return spec.batch.resources;
  return plan.processor.value(
      "resources", json{{"requests", {{"cpu", "100m"}, {"memory", "256Mi"}}}, {"limits", {{"memory", "2Gi"}}}});
}

}  // namespace

json processor_container(const api::PipelineSpec& spec, const VersionPlan& plan,
                         const std::vector<std::string>& secret_keys, ProcessorRun run) {
  json container = {
      {"name", "processor"},
      {"image", plan.processor.value("image", "")},
      {"imagePullPolicy", "IfNotPresent"},
      {"env", contract_env(spec, plan, secret_keys, run)},
      {"securityContext", container_security_context()},
      {"resources", resources_of(spec, plan, run)},
      // A refused view ends the processor with one line saying where and
      // why; kubelet makes the log's end the termination message, and the
      // operator's Stalled condition quotes it.
      {"terminationMessagePolicy", "FallbackToLogsOnError"},
  };
  if (plan.processor.contains("args")) container["args"] = plan.processor["args"];
  return container;
}

json processor_pod_spec(const VersionPlan& plan, json container) {
  return {{"containers", json::array({std::move(container)})},
          {"securityContext", pod_security_context(plan.processor)},
          {"automountServiceAccountToken", false},  // a processor never calls the API
          {"terminationGracePeriodSeconds", 30}};
}

}  // namespace kappa::controllers
