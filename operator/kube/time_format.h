#pragma once
#include <chrono>
#include <optional>
#include <string>

namespace kappa::kube {

// metav1.Time: RFC 3339 in UTC with seconds, e.g. 2026-11-24T16:48:10Z.
std::string format_time(std::chrono::system_clock::time_point t);
// metav1.MicroTime: RFC 3339 in UTC with microseconds (Leases, Events).
std::string format_micro_time(std::chrono::system_clock::time_point t);
// Reads either form back (a zone other than Z is honoured); nothing when
// the text is not RFC 3339.
std::optional<std::chrono::system_clock::time_point> parse_time(const std::string& text);

}  // namespace kappa::kube
