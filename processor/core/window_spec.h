#pragma once
// A view's tumbling event-time window (KAPPA_CONFIG.window):
//
//   "window": {"field": "ts", "size": "60s", "allowedLateness": "10s", "retention": "1h"}
//
// size is required; allowedLateness defaults to 0s, retention to 1h.
// Durations are a whole number and a unit: ms, s, m, h, d.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>

#include "core/field_path.h"

namespace kappa::processor {

struct WindowSpec {
  FieldPath field;                   // the event time: epoch ms or RFC 3339
  std::int64_t size_ms = 0;          // > 0
  std::int64_t allowed_lateness_ms = 0;
  std::int64_t retention_ms = 3600 * 1000;

  // Parses `value` (the window object); `where` names it in errors
  // ("KAPPA_CONFIG.window"). Throws ConfigError naming the bad member.
  static WindowSpec parse(const nlohmann::json& value, const std::string& where);
  // The canonical form (durations in ms): what the fingerprint hashes, so
  // "60s" and "1m" are one view.
  nlohmann::json canonical() const;
};

// "500ms", "60s", "5m", "2h", "1d" in milliseconds; nullopt when not one
// (or over a million days, which keeps window arithmetic far from overflow).
std::optional<std::int64_t> parse_duration(const std::string& text);

}  // namespace kappa::processor
