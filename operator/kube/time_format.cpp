#include "kube/time_format.h"

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

}  // namespace kappa::kube
