#include "kube/time_format.h"

#include <cctype>
#include <ctime>
#include <iomanip>
#include <sstream>

namespace kappa::kube {
namespace {

std::string format(std::chrono::system_clock::time_point t, bool micro) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(t);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  std::ostringstream out;
  out << std::put_time(&utc, "%Y-%m-%dT%H:%M:%S");
  if (micro) {
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count() % 1000000;
    out << '.' << std::setw(6) << std::setfill('0') << us;
  }
  out << 'Z';
  return out.str();
}

}  // namespace

std::string format_time(std::chrono::system_clock::time_point t) { return format(t, false); }
std::string format_micro_time(std::chrono::system_clock::time_point t) { return format(t, true); }

std::optional<std::chrono::system_clock::time_point> parse_time(const std::string& text) {
  std::tm tm{};
  std::istringstream in(text);
  in >> std::get_time(&tm, "%Y-%m-%dT%H:%M:%S");
  if (in.fail()) return std::nullopt;
  std::string rest;
  std::getline(in, rest);
  std::size_t i = 0;
  std::chrono::microseconds fraction{0};
  if (i < rest.size() && rest[i] == '.') {
    std::string digits;
    for (++i; i < rest.size() && std::isdigit(static_cast<unsigned char>(rest[i])); ++i) digits += rest[i];
    if (digits.empty()) return std::nullopt;
    fraction = std::chrono::microseconds(std::stoll((digits + "000000").substr(0, 6)));
  }
  long long offset_seconds = 0;
  if (i < rest.size() && (rest[i] == '+' || rest[i] == '-')) {
    if (rest.size() != i + 6 || rest[i + 3] != ':') return std::nullopt;
    const int sign = rest[i] == '-' ? -1 : 1;
    try {
      offset_seconds = sign * (std::stoll(rest.substr(i + 1, 2)) * 3600 + std::stoll(rest.substr(i + 4, 2)) * 60);
    } catch (const std::exception&) {
      return std::nullopt;
    }
  } else if (rest.size() != i + 1 || (rest[i] != 'Z' && rest[i] != 'z')) {
    return std::nullopt;
  }
  const auto seconds = std::chrono::seconds(static_cast<long long>(timegm(&tm)) - offset_seconds);
  return std::chrono::system_clock::time_point(seconds) + fraction;
}

}  // namespace kappa::kube
