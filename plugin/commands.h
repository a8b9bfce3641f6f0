#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <ostream>
#include <string>

#include "plugin/kube_access.h"

namespace kappa::plugin {

// Each command writes its report to `out` and returns the exit code;
// CommandError and ApiError propagate to main, which prints them.

struct StatusOptions {
  bool watch = false;
  std::chrono::milliseconds interval{1000};
  bool clear_screen = false;                      // stdout is a terminal
  std::function<bool()> stop = [] { return false; };  // Ctrl-C seen
};
int status_command(Target& t, const std::string& pipeline, const StatusOptions& options, std::ostream& out);

int history_command(Target& t, const std::string& pipeline, std::ostream& out);

// Set spec.promote / spec.abort on the pipeline's Reprocessing in flight.
int promote_command(Target& t, const std::string& pipeline, std::ostream& out);
int abort_command(Target& t, const std::string& pipeline, std::ostream& out);

int pause_command(Target& t, const std::string& pipeline, bool paused, std::ostream& out);

// Annotate a Lambda pipeline kappa.dev/batch-now=true (a new generation now);
// CommandError for any other architecture.
int batch_command(Target& t, const std::string& pipeline, std::ostream& out);

struct RollbackOptions {
  std::optional<int64_t> to_version;  // default: the previous version
  std::chrono::milliseconds timeout{30000};
  std::chrono::milliseconds poll{250};
};
int rollback_command(Target& t, const std::string& pipeline, const RollbackOptions& options, std::ostream& out);

}  // namespace kappa::plugin
