#pragma once
#include <string>

namespace kappa {

// Configures the process-wide spdlog logger: one line per event on stderr,
// with a timestamp, level and thread, at `level` ("trace".."critical").
// Throws std::invalid_argument naming the level when it is not one of those.
// `format` is "text" or "json" (one JSON object per line, for log
// collectors); anything else throws std::invalid_argument too.
void setup_logging(const std::string& level, const std::string& format = "text");

}  // namespace kappa
