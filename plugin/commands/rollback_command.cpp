#include "plugin/commands.h"

#include <thread>

#include "api/duration.h"
#include "api/names.h"
#include "kube/api_error.h"
#include "plugin/format.h"
#include "plugin/rollback_events.h"

namespace kappa::plugin {
namespace {

std::optional<json> get_service(Target& t, const std::string& name) {
  try {
    return t.client.get(kube::resources::kServices, t.ns, name);
  } catch (const kube::ApiError& e) {
    if (e.kind() == kube::ApiErrorKind::NotFound) return std::nullopt;
    throw;
  }
}

std::optional<int64_t> serving(Target& t, const std::string& service) {
  const auto s = get_service(t, service);
  return s ? selected_version(*s) : std::nullopt;
}

json refusal_events(Target& t, const std::string& pipeline) {
  kube::ListOptions options;
  options.field_selector = "regarding.name=" + pipeline + ",reason=RollbackUnavailable";
  return kube::list_all(t.client, kube::resources::kEvents, t.ns, options);
}

std::string name_of(std::optional<int64_t> v) { return v ? "v" + std::to_string(*v) : "no version"; }

}  // namespace

// The operator consumes the annotation either way: it flips the Service's
// selector (success) or records a RollbackUnavailable Event (refusal). We
// watch for both, by polling, until the timeout.
int rollback_command(Target& t, const std::string& pipeline, const RollbackOptions& options, std::ostream& out) {
  const json object = get_pipeline(t, pipeline);
  const std::string service =
      object.value("spec", json::object()).value("serving", json::object()).value("serviceName", "");
  const auto from = serving(t, service);
  const RefusalCounts before = refusal_counts(refusal_events(t, pipeline), pipeline);
  const std::string request = options.to_version ? std::to_string(*options.to_version) : "true";
  merge_patch(t, api::kPipelines, pipeline, {{"metadata", {{"annotations", {{api::kAnnotationRollback, request}}}}}});
  out << "rollback of pipeline " << pipeline << " requested (" << api::kAnnotationRollback << "=" << request
      << "); Service " << service << (from ? " serves " + name_of(from) : " selects no version yet") << "\n"
      << std::flush;

  const auto deadline = std::chrono::steady_clock::now() + options.timeout;
  while (true) {
    const auto now_serving = serving(t, service);
    if (now_serving && now_serving != from) {
      out << "rolled back pipeline " << pipeline << ": " << name_of(from) << " -> " << name_of(now_serving)
          << " (Service " << service << ")\n";
      return 0;
    }
    if (const auto note = new_refusal(before, refusal_events(t, pipeline), pipeline)) {
      throw CommandError("the operator refused the rollback of pipeline " + pipeline + ": " + *note);
    }
    if (std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(options.poll);
  }

  const json now = get_pipeline(t, pipeline);
  const json annotations = now.value("metadata", json::object()).value("annotations", json::object());
  const std::string waited = api::format_duration(std::chrono::duration_cast<std::chrono::seconds>(options.timeout));
  if (annotations.contains(api::kAnnotationRollback)) {
    throw CommandError("no rollback within " + waited + ": the operator has not acted on the request (is " +
                       "kappa-operator running and watching namespace " + t.ns + "?). The annotation " +
                       api::kAnnotationRollback + " stays on pipeline " + pipeline +
                       " and is acted on when the operator reconciles it; remove it to cancel");
  }
  throw CommandError("no rollback within " + waited + ": the operator took the request but Service " + service +
                     " still serves " + name_of(from) + "; see kubectl get events -n " + t.ns +
                     " --field-selector involvedObject.name=" + pipeline);
}

}  // namespace kappa::plugin
