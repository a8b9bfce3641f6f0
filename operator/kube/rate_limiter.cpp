#include "kube/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace kappa::kube {

using namespace std::chrono_literals;

ItemExponentialRateLimiter::ItemExponentialRateLimiter(Clock::duration base, Clock::duration max)
    : base_(base), max_(max) {}

Clock::duration ItemExponentialRateLimiter::when(const std::string& item) {
  std::lock_guard lock(mutex_);
  const int exponent = failures_[item]++;
  // Compute in floating point: 2^exponent overflows an integer long before
  // the cap is reached for items that keep failing.
  const double delay = std::chrono::duration<double>(base_).count() * std::pow(2.0, exponent);
  if (delay >= std::chrono::duration<double>(max_).count()) return max_;
  return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(delay));
}

void ItemExponentialRateLimiter::forget(const std::string& item) {
  std::lock_guard lock(mutex_);
  failures_.erase(item);
}

int ItemExponentialRateLimiter::retries(const std::string& item) {
  std::lock_guard lock(mutex_);
  const auto it = failures_.find(item);
  return it == failures_.end() ? 0 : it->second;
}

BucketRateLimiter::BucketRateLimiter(std::shared_ptr<const Clock> clock, double qps, int burst)
    : clock_(std::move(clock)), qps_(qps), burst_(burst), tokens_(burst), last_(clock_->now()) {}

Clock::duration BucketRateLimiter::when(const std::string&) {
  std::lock_guard lock(mutex_);
  const auto now = clock_->now();
  const double elapsed = std::chrono::duration<double>(now - last_).count();
  last_ = now;
  tokens_ = std::min(burst_, tokens_ + elapsed * qps_);
  tokens_ -= 1.0;  // reserve; a negative balance is the queue of reservations
  if (tokens_ >= 0) return Clock::duration::zero();
  return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(-tokens_ / qps_));
}

MaxOfRateLimiter::MaxOfRateLimiter(std::vector<std::unique_ptr<RateLimiter>> limiters)
    : limiters_(std::move(limiters)) {}

Clock::duration MaxOfRateLimiter::when(const std::string& item) {
  Clock::duration longest = Clock::duration::zero();
  for (auto& limiter : limiters_) longest = std::max(longest, limiter->when(item));
  return longest;
}

void MaxOfRateLimiter::forget(const std::string& item) {
  for (auto& limiter : limiters_) limiter->forget(item);
}

int MaxOfRateLimiter::retries(const std::string& item) {
  int most = 0;
  for (auto& limiter : limiters_) most = std::max(most, limiter->retries(item));
  return most;
}

std::unique_ptr<RateLimiter> default_controller_rate_limiter(std::shared_ptr<const Clock> clock) {
  std::vector<std::unique_ptr<RateLimiter>> limiters;
  limiters.push_back(std::make_unique<ItemExponentialRateLimiter>(5ms, 1000s));
  limiters.push_back(std::make_unique<BucketRateLimiter>(std::move(clock), 10.0, 100));
  return std::make_unique<MaxOfRateLimiter>(std::move(limiters));
}

}  // namespace kappa::kube
