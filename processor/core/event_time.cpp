#include "core/event_time.h"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace kappa::processor::event_time {
namespace {

// Howard Hinnant's days_from_civil / civil_from_days (proleptic Gregorian).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

void civil_from_days(std::int64_t z, std::int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2);
}

bool leap(std::int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned days_in_month(std::int64_t y, unsigned m) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leap(y) ? 29 : kDays[m - 1];
}

// `n` digits at `at` as a number; false when any is not a digit.
bool digits(std::string_view text, std::size_t at, std::size_t n, unsigned& out) {
  if (at + n > text.size()) return false;
  out = 0;
  for (std::size_t i = at; i < at + n; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    out = out * 10 + static_cast<unsigned>(text[i] - '0');
  }
  return true;
}

bool in_range(std::int64_t ms) { return ms >= kMinMs && ms <= kMaxMs; }

}  // namespace

std::optional<std::int64_t> parse_rfc3339(std::string_view t) {
  unsigned year, month, day, hour, minute, second;
  if (!digits(t, 0, 4, year) || t.size() < 20 || t[4] != '-' || !digits(t, 5, 2, month) || t[7] != '-' ||
      !digits(t, 8, 2, day) || (t[10] != 'T' && t[10] != 't') || !digits(t, 11, 2, hour) || t[13] != ':' ||
      !digits(t, 14, 2, minute) || t[16] != ':' || !digits(t, 17, 2, second)) {
    return std::nullopt;
  }
  if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month) || hour > 23 || minute > 59 ||
      second > 59) {
    return std::nullopt;
  }
  std::size_t at = 19;
  std::int64_t millis = 0;
  if (at < t.size() && t[at] == '.') {
    ++at;
    const std::size_t first = at;
    while (at < t.size() && t[at] >= '0' && t[at] <= '9') {
      if (at - first < 3) millis = millis * 10 + (t[at] - '0');
      ++at;
    }
    if (at == first) return std::nullopt;
    for (std::size_t n = at - first; n < 3; ++n) millis *= 10;
  }
  std::int64_t offset_minutes = 0;
  if (at < t.size() && (t[at] == 'Z' || t[at] == 'z')) {
    ++at;
  } else if (at < t.size() && (t[at] == '+' || t[at] == '-')) {
    unsigned oh, om;
    if (!digits(t, at + 1, 2, oh) || at + 3 >= t.size() || t[at + 3] != ':' || !digits(t, at + 4, 2, om) || oh > 23 ||
        om > 59) {
      return std::nullopt;
    }
    offset_minutes = (t[at] == '-' ? -1 : 1) * static_cast<std::int64_t>(oh * 60 + om);
    at += 6;
  } else {
    return std::nullopt;  // RFC 3339 requires the offset
  }
  if (at != t.size()) return std::nullopt;
  const std::int64_t seconds = days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second -
                               offset_minutes * 60;
  const std::int64_t ms = seconds * 1000 + millis;
  if (!in_range(ms)) return std::nullopt;
  return ms;
}

std::string format_rfc3339(std::int64_t ms) {
  std::int64_t days = ms / 86400000;
  std::int64_t rest = ms % 86400000;
  if (rest < 0) {
    rest += 86400000;
    --days;
  }
  std::int64_t year;
  unsigned month, day;
  civil_from_days(days, year, month, day);
  const auto r = static_cast<unsigned>(rest);
  char text[64];
  const char* format = year >= 0 && year <= 9999 ? "%04lld-%02u-%02uT%02u:%02u:%02u.%03uZ"
                                                 : "%+05lld-%02u-%02uT%02u:%02u:%02u.%03uZ";
  std::snprintf(text, sizeof text, format, static_cast<long long>(year), month, day, r / 3600000,
                r / 60000 % 60, r / 1000 % 60, r % 1000);
  return text;
}

std::variant<std::int64_t, std::string> from_field(const FieldValue& value) {
  switch (value.kind) {
    case FieldValue::Kind::Integer:
      if (in_range(value.integer)) return value.integer;
      break;
    case FieldValue::Kind::Unsigned:
      if (value.unsigned_integer <= static_cast<std::uint64_t>(kMaxMs)) {
        return static_cast<std::int64_t>(value.unsigned_integer);
      }
      break;
    case FieldValue::Kind::Float:
      if (std::isfinite(value.real) && value.real >= static_cast<double>(kMinMs) &&
          value.real <= static_cast<double>(kMaxMs)) {
        return static_cast<std::int64_t>(std::floor(value.real));
      }
      break;
    case FieldValue::Kind::String:
      if (const auto ms = parse_rfc3339(value.text)) return *ms;
      return std::string("not an RFC 3339 time (such as 2026-12-07T05:30:00Z) from year 0000 to 9999");
    case FieldValue::Kind::Null:
      return std::string("null");
    default:
      return std::string("not a time: use epoch milliseconds or an RFC 3339 string");
  }
  return std::string("epoch milliseconds outside years 0000 to 9999");
}

void append_window_suffix(std::string& out, std::int64_t start) {
  char digits_text[24];
  out += '@';
  out.append(digits_text, std::to_chars(digits_text, digits_text + sizeof digits_text, start).ptr);
}

std::optional<WindowKey> split_window_key(std::string_view state_key) {
  const auto at = state_key.rfind('@');
  if (at == std::string_view::npos) return std::nullopt;
  const auto number = state_key.substr(at + 1);
  std::int64_t start = 0;
  const auto [end, error] = std::from_chars(number.data(), number.data() + number.size(), start);
  if (number.empty() || error != std::errc() || end != number.data() + number.size()) return std::nullopt;
  return WindowKey{state_key.substr(0, at), start};
}

}  // namespace kappa::processor::event_time
