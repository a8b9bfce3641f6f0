#include "plugin/commands.h"

#include "plugin/history_view.h"

namespace kappa::plugin {

int history_command(Target& t, const std::string& pipeline, std::ostream& out) {
  get_pipeline(t, pipeline);  // a clear error for a typo, not an empty table
  out << render_history(reprocessings_of(t, pipeline), Clock::now());
  return 0;
}

}  // namespace kappa::plugin
