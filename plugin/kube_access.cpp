#include "plugin/kube_access.h"

#include "api/names.h"
#include "kube/api_error.h"
#include "plugin/selection.h"

namespace kappa::plugin {

json get_pipeline(Target& t, const std::string& name) {
  try {
    return t.client.get(api::kPipelines, t.ns, name);
  } catch (const kube::ApiError& e) {
    if (e.kind() == kube::ApiErrorKind::NotFound) {
      throw CommandError("pipeline " + name + " not found in namespace " + t.ns);
    }
    throw;
  }
}

std::vector<json> reprocessings_of(Target& t, const std::string& pipeline) {
  const json list = kube::list_all(t.client, api::kReprocessings, t.ns, {});
  return of_pipeline(list.value("items", json::array()), pipeline);
}

json merge_patch(Target& t, const kube::Resource& r, const std::string& name, const json& body) {
  return t.client.patch(r, t.ns, name, kube::PatchType::Merge, body, {});
}

}  // namespace kappa::plugin
