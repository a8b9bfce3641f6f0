#include "plugin/commands.h"

#include "api/names.h"

namespace kappa::plugin {
namespace {

// An object written before spec.architecture existed is Kappa (the CRD's default).
std::string architecture_of(const json& pipeline) {
  return pipeline.value("spec", json::object()).value("architecture", "Kappa");
}

bool batch_requested(const json& pipeline) {
  return pipeline.value("metadata", json::object()).value("annotations", json::object()).contains(
      api::kAnnotationBatchNow);
}

}  // namespace

// Only asks: the operator starts the generation and removes the annotation,
// and a batch run takes far longer than a command should wait. Checking the
// architecture before the patch is race-free because it is immutable.
int batch_command(Target& t, const std::string& pipeline, std::ostream& out) {
  const json object = get_pipeline(t, pipeline);
  const std::string architecture = architecture_of(object);
  if (architecture != "Lambda") {
    throw CommandError("pipeline " + pipeline + " is architecture " + architecture +
                       ": batch runs are for architecture Lambda (a Kappa pipeline builds a new version when " +
                       "spec.processor changes)");
  }
  const bool pending = batch_requested(object);
  merge_patch(t, api::kPipelines, pipeline, {{"metadata", {{"annotations", {{api::kAnnotationBatchNow, "true"}}}}}});
  out << "batch run of pipeline " << pipeline << " requested (" << api::kAnnotationBatchNow << "=true)";
  if (pending) out << "; it already was and the operator has not started it yet";
  out << ": the operator starts a new generation from a fresh snapshot of the input and then removes the annotation\n";
  return 0;
}

}  // namespace kappa::plugin
