#pragma once
#include <memory>
#include <string>

#include <spdlog/formatter.h>

namespace kappa {

// Configures the process-wide spdlog logger: one line per event on stderr,
// with a timestamp, level and thread, at `level` ("trace".."critical").
// Throws std::invalid_argument naming the level when it is not one of those.
// `format` is "text" or "json" (one JSON object per line, for log
// collectors); anything else throws std::invalid_argument too.
void setup_logging(const std::string& level, const std::string& format = "text");

// The line format of setup_logging ("text" or "json"); every line carries
// the reconcile context of its thread (kappa/common/log_context.h).
std::unique_ptr<spdlog::formatter> make_log_formatter(const std::string& format);

}  // namespace kappa
