#pragma once
#include <string>

namespace kappa {

// Configures the process-wide spdlog logger: one line per event on stderr,
// with a timestamp, level and thread, at `level` ("trace".."critical").
// Throws std::invalid_argument naming the level when it is not one of those.
void setup_logging(const std::string& level);

}  // namespace kappa
