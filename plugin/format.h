#pragma once
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace kappa::plugin {

using nlohmann::json;
using Clock = std::chrono::system_clock;

// 12345 -> "12,345": lags and rates are read at a glance, not counted.
std::string group_digits(int64_t n);

// "[#######-------]" for a percentage (clamped to 0..100), rounded to the
// nearest cell so 47% of 14 cells shows 7 filled.
std::string progress_bar(int64_t percent, int width = 14);

// An integer field of a status, or nothing when absent or not a number
// (the operator omits fields it has not measured yet).
std::optional<int64_t> int_field(const json& object, const char* key);
std::string string_field(const json& object, const char* key);

// "5m" since an RFC 3339 time, "-" when absent or unparsable. `now` is a
// parameter so renderers stay pure.
std::string age(const std::string& rfc3339, Clock::time_point now);

// The time between two RFC 3339 times, formatted; nothing when either is
// missing or unparsable.
std::optional<std::string> elapsed(const std::string& from, const std::string& to);

}  // namespace kappa::plugin
