#pragma once
#include <atomic>

#include "kappa/common/clock.h"

namespace kappa::testing {

// A clock that moves only when a test calls advance(). Waiters poll it in
// short real-time slices, so advancing wakes them promptly.
class FakeClock final : public kappa::Clock {
 public:
  time_point now() const override { return time_point(duration(now_.load())); }
  void advance(duration d) { now_ += d.count(); }
  void wait_until(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                  time_point deadline) const override {
    if (now() >= deadline) return;
    cv.wait_for(lock, std::chrono::milliseconds(2));
  }

 private:
  std::atomic<duration::rep> now_{duration(std::chrono::hours(1)).count()};
};

}  // namespace kappa::testing
