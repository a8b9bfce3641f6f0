#include "plugin/commands.h"

#include "api/names.h"
#include "plugin/format.h"
#include "plugin/selection.h"

namespace kappa::plugin {
namespace {

struct InFlight {
  json object;
  std::string name, phase, version;
};

// The Reprocessing promote/abort act on, or a CommandError saying why
// there is none.
InFlight find_in_flight(Target& t, const std::string& pipeline, const std::string& verb) {
  get_pipeline(t, pipeline);
  const auto r = in_flight(reprocessings_of(t, pipeline));
  if (!r) {
    throw CommandError("pipeline " + pipeline + " has no reprocessing in flight in namespace " + t.ns +
                       ": nothing to " + verb);
  }
  const json status = r->value("status", json::object());
  const auto version = int_field(status, "version");
  return {*r, string_field(r->value("metadata", json::object()), "name"), string_field(status, "phase"),
          version ? "v" + std::to_string(*version) : "(no version yet)"};
}

}  // namespace

int promote_command(Target& t, const std::string& pipeline, std::ostream& out) {
  const InFlight r = find_in_flight(t, pipeline, "promote");
  if (r.phase != "Promotable") {
    const json status = r.object.value("status", json::object());
    const auto lag = int_field(status, "lag");
    throw CommandError(r.version + " of pipeline " + pipeline + " is not Promotable yet (Reprocessing " + r.name +
                       ": phase " + (r.phase.empty() ? "Pending" : r.phase) + ", lag " +
                       (lag ? group_digits(*lag) : "not measured yet") +
                       "); it can be promoted once it has caught up");
  }
  merge_patch(t, api::kReprocessings, r.name, {{"spec", {{"promote", true}}}});
  out << "promoted " << r.version << " of pipeline " << pipeline << " (Reprocessing " << r.name
      << "): the operator switches serving to it\n";
  return 0;
}

int abort_command(Target& t, const std::string& pipeline, std::ostream& out) {
  const InFlight r = find_in_flight(t, pipeline, "abort");
  merge_patch(t, api::kReprocessings, r.name, {{"spec", {{"abort", true}}}});
  out << "aborted " << r.version << " of pipeline " << pipeline << " (Reprocessing " << r.name << ", phase "
      << (r.phase.empty() ? "Pending" : r.phase) << "): the candidate is deleted, serving is untouched\n";
  return 0;
}

}  // namespace kappa::plugin
