#include "plugin/commands.h"

#include <thread>

#include "kube/api_error.h"
#include "kube/time_format.h"
#include "plugin/status_view.h"

namespace kappa::plugin {
namespace {

std::string frame(Target& t, const std::string& pipeline) {
  const json object = get_pipeline(t, pipeline);
  return render_status(object, reprocessings_of(t, pipeline), Clock::now());
}

// Sleeps up to `d`, waking early when the user asks to stop.
void sleep_unless_stopped(std::chrono::milliseconds d, const std::function<bool()>& stop) {
  const auto until = std::chrono::steady_clock::now() + d;
  while (!stop() && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

}  // namespace

int status_command(Target& t, const std::string& pipeline, const StatusOptions& options, std::ostream& out) {
  if (!options.watch) {
    out << frame(t, pipeline);
    return 0;
  }
  bool first = true;
  while (!options.stop()) {
    std::string text;
    try {
      text = frame(t, pipeline);
    } catch (const CommandError&) {
      throw;  // the pipeline is gone: nothing left to watch
    } catch (const std::exception& e) {
      // A blip of the API server should not end a long watch.
      text = "error: " + std::string(e.what()) + " (retrying)\n";
    }
    if (options.clear_screen) {
      out << "\033[H\033[2J";  // cursor home, clear screen
    } else if (!first) {
      out << "---- " << kube::format_time(Clock::now()) << " ----\n";
    }
    out << text << std::flush;
    first = false;
    sleep_unless_stopped(options.interval, options.stop);
  }
  return 0;
}

}  // namespace kappa::plugin
