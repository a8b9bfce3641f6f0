#pragma once
#include <chrono>
#include <random>

namespace kappa::kube {

// Exponential backoff with jitter that forgets past failures after a quiet
// period (client-go's reflector: 800 ms -> 30 s, factor 2, jitter 1.0,
// reset after 2 min without a failure).
class Backoff {
 public:
  using duration = std::chrono::milliseconds;
  using time_point = std::chrono::steady_clock::time_point;

  Backoff(duration initial, duration cap, std::chrono::seconds reset_after, double factor = 2.0,
          double jitter = 1.0)
      : initial_(initial), cap_(cap), reset_after_(reset_after), factor_(factor), jitter_(jitter),
        rng_(std::random_device{}()) {}

  // The wait before the next attempt, given a failure happened at `now`.
  duration next(time_point now) {
    if (has_failed_ && now - last_failure_ > reset_after_) current_ = duration::zero();
    has_failed_ = true;
    last_failure_ = now;
    current_ = current_ == duration::zero()
                   ? initial_
                   : std::min(cap_, duration(static_cast<duration::rep>(current_.count() * factor_)));
    std::uniform_real_distribution<double> spread(0.0, jitter_);
    return duration(static_cast<duration::rep>(current_.count() * (1.0 + spread(rng_))));
  }

 private:
  duration initial_, cap_;
  std::chrono::seconds reset_after_;
  double factor_, jitter_;
  std::mt19937 rng_;
  duration current_{0};
  bool has_failed_ = false;
  time_point last_failure_{};
};

}  // namespace kappa::kube
