#include "controllers/crash_point.h"

#include <csignal>
#include <cstdlib>
#include <string>

#include <spdlog/spdlog.h>

namespace kappa::controllers {

void crash_point(std::string_view name) {
  static const std::string armed = [] {
    const char* v = std::getenv("KAPPA_CRASH_AT");
    return std::string(v ? v : "");
  }();
  if (armed.empty() || armed != name) return;
  spdlog::warn("KAPPA_CRASH_AT={}: killing the process here", armed);
  spdlog::default_logger()->flush();
  std::raise(SIGKILL);
}

}  // namespace kappa::controllers
