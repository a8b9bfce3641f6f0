#include "api/duration.h"

#include <cctype>
#include <stdexcept>

namespace kappa::api {

std::chrono::milliseconds parse_duration(const std::string& text) {
  using std::chrono::milliseconds;
  milliseconds total{0};
  std::size_t i = 0;
  const auto bad = [&] { return std::invalid_argument("not a duration (e.g. 30s, 5m, 1h30m): \"" + text + "\""); };
  if (text.empty()) throw bad();
  while (i < text.size()) {
    const std::size_t digits_start = i;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
    if (i == digits_start || i - digits_start > 12) throw bad();
    const long long n = std::stoll(text.substr(digits_start, i - digits_start));
    if (text.compare(i, 2, "ms") == 0) {
      total += milliseconds(n);
      i += 2;
    } else if (i < text.size() && text[i] == 's') {
      total += std::chrono::seconds(n);
      ++i;
    } else if (i < text.size() && text[i] == 'm') {
      total += std::chrono::minutes(n);
      ++i;
    } else if (i < text.size() && text[i] == 'h') {
      total += std::chrono::hours(n);
      ++i;
    } else {
      throw bad();
    }
    // Each term is at most 10^12 hours, so the sum cannot overflow before
    // this check; a longer span would overflow the clocks it is added to.
    if (total > kLongestDuration) {
      throw std::invalid_argument("duration \"" + text + "\" is longer than 87600h (ten years)");
    }
  }
  return total;
}

std::string format_duration(std::chrono::seconds d) {
  long long s = d.count();
  if (s < 0) s = 0;
  const long long h = s / 3600, m = (s % 3600) / 60, sec = s % 60;
  if (h > 0) return std::to_string(h) + "h" + (m ? std::to_string(m) + "m" : "");
  if (m > 0) return std::to_string(m) + "m" + (sec ? std::to_string(sec) + "s" : "");
  return std::to_string(sec) + "s";
}

}  // namespace kappa::api
