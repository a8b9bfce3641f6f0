#pragma once
#include <optional>
#include <string>

namespace kappa::testing {

// The value of one series in a Prometheus text exposition, named exactly
// as rendered (`name{label="value",...}`, labels in sorted order), or
// nothing when the series is absent.
inline std::optional<double> metric_value(const std::string& text, const std::string& series) {
  const std::string line = "\n" + series + " ";
  const auto at = text.find(line);
  if (at == std::string::npos) return std::nullopt;
  return std::stod(text.substr(at + line.size()));
}

}  // namespace kappa::testing
