#include "plugin/format.h"

#include <algorithm>

#include "api/duration.h"
#include "kube/time_format.h"

namespace kappa::plugin {

std::string group_digits(int64_t n) {
  // Via the magnitude as unsigned so INT64_MIN does not overflow.
  const bool negative = n < 0;
  uint64_t magnitude = negative ? 0 - static_cast<uint64_t>(n) : static_cast<uint64_t>(n);
  std::string digits = std::to_string(magnitude);
  std::string out;
  const std::size_t lead = digits.size() % 3 == 0 ? 3 : digits.size() % 3;
  out += digits.substr(0, lead);
  for (std::size_t i = lead; i < digits.size(); i += 3) out += "," + digits.substr(i, 3);
  return negative ? "-" + out : out;
}

std::string progress_bar(int64_t percent, int width) {
  percent = std::clamp<int64_t>(percent, 0, 100);
  const int filled = static_cast<int>((percent * width + 50) / 100);
  return "[" + std::string(filled, '#') + std::string(width - filled, '-') + "]";
}

std::optional<int64_t> int_field(const json& object, const char* key) {
  if (!object.is_object()) return std::nullopt;
  const auto it = object.find(key);
  if (it == object.end() || !it->is_number()) return std::nullopt;
  return it->get<int64_t>();
}

std::string string_field(const json& object, const char* key) {
  if (!object.is_object()) return {};
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string age(const std::string& rfc3339, Clock::time_point now) {
  const auto t = kube::parse_time(rfc3339);
  if (!t) return "-";
  return api::format_duration(std::chrono::duration_cast<std::chrono::seconds>(now - *t));
}

std::optional<std::string> elapsed(const std::string& from, const std::string& to) {
  const auto a = kube::parse_time(from), b = kube::parse_time(to);
  if (!a || !b) return std::nullopt;
  return api::format_duration(std::chrono::duration_cast<std::chrono::seconds>(*b - *a));
}

}  // namespace kappa::plugin
