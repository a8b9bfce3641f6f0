#pragma once
#include <chrono>
#include <condition_variable>
#include <mutex>

namespace kappa {

// Time as the runtime sees it. Production uses the steady clock; unit tests
// inject a fake one they advance by hand, so backoff and requeue-after are
// tested without sleeping.
class Clock {
 public:
  using time_point = std::chrono::steady_clock::time_point;
  using duration = std::chrono::steady_clock::duration;

  virtual ~Clock() = default;
  virtual time_point now() const = 0;
  // Blocks on `cv` (with `lock` held) until notified or `deadline` passes on
  // this clock. May return early; callers re-check their condition.
  virtual void wait_until(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                          time_point deadline) const = 0;
};

class SteadyClock final : public Clock {
 public:
  time_point now() const override { return std::chrono::steady_clock::now(); }
  void wait_until(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                  time_point deadline) const override {
    cv.wait_until(lock, deadline);
  }
};

}  // namespace kappa
