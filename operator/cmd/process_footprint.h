#pragma once
#include <chrono>

namespace kappa::operator_cmd {

// Sizes what the whole process shares, before any thread starts: the
// HTTP client's thread pool (cpprestsdk starts 40 threads by default; the
// operator's requests are few and short) and glibc's malloc arenas (one per
// thread by default, each keeping what it freed).
void limit_process_footprint();

// Hands memory that was freed back to the system, at most once per
// `every`: a burst (thousands of objects listed at start, a fleet created)
// leaves glibc holding freed pages that the steady state never needs.
class MemoryReturner {
 public:
  explicit MemoryReturner(std::chrono::steady_clock::duration every) : every_(every) {}
  void tick();

 private:
  std::chrono::steady_clock::duration every_;
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
};

}  // namespace kappa::operator_cmd
