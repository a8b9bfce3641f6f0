#pragma once
#include <chrono>
#include <optional>

namespace kappa::kube {

// The moment by which every API request sent from this thread must have its
// answer, like the deadline of a Go context: RestClient cuts a request (and
// its connection) then, whatever its usual timeout. Scopes nest; the
// earliest deadline wins. Leader election bounds each renewal this way, and
// the write fence bounds writes by the lease term.
class ScopedRequestDeadline {
 public:
  explicit ScopedRequestDeadline(std::chrono::steady_clock::time_point deadline);
  ~ScopedRequestDeadline();
  ScopedRequestDeadline(const ScopedRequestDeadline&) = delete;
  ScopedRequestDeadline& operator=(const ScopedRequestDeadline&) = delete;

  // The innermost scope's deadline on this thread, if any.
  static std::optional<std::chrono::steady_clock::time_point> current();

 private:
  std::optional<std::chrono::steady_clock::time_point> outer_;
};

}  // namespace kappa::kube
