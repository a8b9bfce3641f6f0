#include "kafka/progress.h"

#include <algorithm>
#include <cmath>

namespace kappa::kafka {

ProgressTracker::ProgressTracker(std::shared_ptr<const Clock> clock, Clock::duration stall_window, double smoothing)
    : clock_(std::move(clock)), stall_window_(stall_window), smoothing_(smoothing) {}

Progress ProgressTracker::observe(int64_t lag, int64_t end_total) {
  const auto now = clock_->now();
  const int64_t position = end_total - lag;
  if (first_) {
    first_ = false;
    start_lag_ = lag;
    lowest_lag_ = lag;
    lowest_at_ = now;
  } else {
    const double seconds = std::chrono::duration<double>(now - last_at_).count();
    if (seconds > 0) {
      const double rate = std::max(0.0, (position - last_position_) / seconds);
      const double shrink = (last_lag_ - lag) / seconds;
      // Exponentially weighted: recent polls count most, one noisy poll
      // does not swing the ETA.
      rate_ = smoothing_ * rate + (1 - smoothing_) * rate_;
      shrink_rate_ = smoothing_ * shrink + (1 - smoothing_) * shrink_rate_;
    }
    if (lag < lowest_lag_) {
      lowest_lag_ = lag;
      lowest_at_ = now;
    }
  }
  last_lag_ = lag;
  last_position_ = position;
  last_at_ = now;

  Progress p;
  p.start_lag = start_lag_;
  p.lag = lag;
  p.records_per_second = std::llround(rate_);
  p.percent = start_lag_ <= 0 ? 100
                              : static_cast<int32_t>(std::clamp<int64_t>((start_lag_ - lag) * 100 / start_lag_, 0, 100));
  if (lag == 0) {
    p.eta_seconds = 0;
  } else if (shrink_rate_ > 0) {
    p.eta_seconds = static_cast<int64_t>(std::ceil(lag / shrink_rate_));
  }
  p.stalled = lag > 0 && now - lowest_at_ >= stall_window_;
  return p;
}

}  // namespace kappa::kafka
