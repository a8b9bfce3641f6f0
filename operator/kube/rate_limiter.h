#pragma once
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "kube/clock.h"

namespace kappa::kube {

// Decides how long an item must wait before it is retried (client-go's
// workqueue.RateLimiter).
class RateLimiter {
 public:
  virtual ~RateLimiter() = default;
  // The delay before `item` may be processed again; counts one more failure.
  virtual Clock::duration when(const std::string& item) = 0;
  // Clears the item's failure history (after a success).
  virtual void forget(const std::string& item) = 0;
  virtual int retries(const std::string& item) = 0;
};

// Per-item exponential backoff: base * 2^failures, capped at max.
class ItemExponentialRateLimiter final : public RateLimiter {
 public:
  ItemExponentialRateLimiter(Clock::duration base, Clock::duration max);
  Clock::duration when(const std::string& item) override;
  void forget(const std::string& item) override;
  int retries(const std::string& item) override;

 private:
  std::mutex mutex_;
  std::map<std::string, int> failures_;
  Clock::duration base_, max_;
};

// An overall token bucket: `qps` tokens per second, at most `burst` saved.
// Each call reserves a token and returns how long until it is available.
class BucketRateLimiter final : public RateLimiter {
 public:
  BucketRateLimiter(std::shared_ptr<const Clock> clock, double qps, int burst);
  Clock::duration when(const std::string& item) override;
  void forget(const std::string&) override {}
  int retries(const std::string&) override { return 0; }

 private:
  std::mutex mutex_;
  std::shared_ptr<const Clock> clock_;
  double qps_;
  double burst_;
  double tokens_;
  Clock::time_point last_;
};

// The longest delay of several limiters.
class MaxOfRateLimiter final : public RateLimiter {
 public:
  explicit MaxOfRateLimiter(std::vector<std::unique_ptr<RateLimiter>> limiters);
  Clock::duration when(const std::string& item) override;
  void forget(const std::string& item) override;
  int retries(const std::string& item) override;

 private:
  std::vector<std::unique_ptr<RateLimiter>> limiters_;
};

// client-go's DefaultControllerRateLimiter: per-item 5 ms -> 1000 s, and a
// 10 qps / burst 100 bucket across all items.
std::unique_ptr<RateLimiter> default_controller_rate_limiter(std::shared_ptr<const Clock> clock);

}  // namespace kappa::kube
