#include "controllers/serving_service.h"

#include "api/names.h"
#include "kube/api_error.h"

namespace kappa::controllers {

using nlohmann::json;

json serving_selector(const std::string& pipeline, int64_t version) {
  return {{api::kLabelPipeline, pipeline}, {api::kLabelVersion, std::to_string(version)}};
}

std::optional<int64_t> selected_version(const json& service) {
  const auto selector = service.value("spec", json::object()).value("selector", json::object());
  const auto it = selector.find(api::kLabelVersion);
  if (it == selector.end() || !it->is_string()) return std::nullopt;
  return api::version_label({{"metadata", {{"labels", {{api::kLabelVersion, *it}}}}}});
}

json build_serving_service(const api::PipelineSpec& spec, const json& pipeline, int64_t version,
                           const std::string& switched_at) {
  const json port = {{"name", "http"}, {"port", spec.serving_port}, {"targetPort", spec.serving_port}, {"protocol", "TCP"}};
  return {{"apiVersion", "v1"},
          {"kind", "Service"},
          {"metadata",
           {{"name", spec.service_name},
            {"namespace", pipeline["metadata"].value("namespace", "")},
            {"labels", {{api::kLabelManagedBy, api::kManagedBy}, {api::kLabelPipeline, spec.name}}},
            {"annotations", {{api::kAnnotationSwitchedAt, switched_at}}},
            {"ownerReferences", json::array({api::controller_reference(pipeline)})}}},
          {"spec", {{"selector", serving_selector(spec.name, version)}, {"ports", json::array({port})}}}};
}

std::optional<json> read_serving_service(kube::KubeClient& client, const std::string& ns, const std::string& name) {
  try {
    return client.get(kube::resources::kServices, ns, name);
  } catch (const kube::ApiError& e) {
    if (e.kind() != kube::ApiErrorKind::NotFound) throw;
    return std::nullopt;
  }
}

json create_serving_service(kube::KubeClient& client, const api::PipelineSpec& spec, const json& pipeline,
                            int64_t version, const std::string& now) {
  return client.create(kube::resources::kServices, pipeline["metadata"].value("namespace", ""),
                       build_serving_service(spec, pipeline, version, now));
}

namespace {
json& annotations_of(json& service) {
  auto& annotations = service["metadata"]["annotations"];
  if (!annotations.is_object()) annotations = json::object();
  return annotations;
}
}  // namespace

json switch_serving_service(kube::KubeClient& client, json service, const std::string& pipeline, int64_t version,
                            const std::string& now) {
  const auto previous = selected_version(service);
  service["spec"]["selector"] = serving_selector(pipeline, version);
  auto& annotations = annotations_of(service);
  if (previous && *previous != version) annotations[api::kAnnotationPreviousVersion] = std::to_string(*previous);
  annotations[api::kAnnotationSwitchedAt] = now;
  annotations.erase(api::kAnnotationRolledBackTemplate);
  return client.update(kube::resources::kServices, service);  // PUT with the resourceVersion we read
}

json roll_back_serving_service(kube::KubeClient& client, json service, int64_t target,
                               const std::string& rolled_back_template, const std::string& now) {
  const auto from = selected_version(service);
  service["spec"]["selector"][api::kLabelVersion] = std::to_string(target);
  auto& annotations = annotations_of(service);
  if (from) annotations[api::kAnnotationPreviousVersion] = std::to_string(*from);
  annotations[api::kAnnotationSwitchedAt] = now;
  annotations[api::kAnnotationRolledBackTemplate] = rolled_back_template;
  return client.update(kube::resources::kServices, service);
}

}  // namespace kappa::controllers
