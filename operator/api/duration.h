#pragma once
#include <chrono>
#include <string>

namespace kappa::api {

// The longest duration accepted: ten years.
inline constexpr std::chrono::milliseconds kLongestDuration = std::chrono::hours(87600);

// Go-style durations as the CRDs write them: "30s", "1h30m", "500ms".
// Throws std::invalid_argument naming the text when it is not one or is
// longer than kLongestDuration.
std::chrono::milliseconds parse_duration(const std::string& text);

// A short human form for ETAs in status: "45s", "3m20s", "2h5m".
std::string format_duration(std::chrono::seconds d);

}  // namespace kappa::api
