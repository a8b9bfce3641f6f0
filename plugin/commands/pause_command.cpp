#include "plugin/commands.h"

#include "api/names.h"

namespace kappa::plugin {

int pause_command(Target& t, const std::string& pipeline, bool paused, std::ostream& out) {
  const json before = get_pipeline(t, pipeline);
  const bool was = before.value("spec", json::object()).value("paused", false);
  merge_patch(t, api::kPipelines, pipeline, {{"spec", {{"paused", paused}}}});
  out << "pipeline " << pipeline << (paused ? " paused" : " resumed");
  if (was == paused) out << " (it already was)";
  out << (paused ? ": the operator changes nothing (no rollout, promotion or retirement); serving is untouched\n"
                 : ": the operator reconciles it again\n");
  return 0;
}

}  // namespace kappa::plugin
