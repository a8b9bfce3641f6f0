#pragma once
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>

#include "kappa/common/clock.h"

namespace kappa::kafka {

// Catch-up progress of one version, as status shows it (integers only).
struct Progress {
  int64_t start_lag = 0;
  int64_t lag = 0;
  int64_t records_per_second = 0;       // smoothed processing rate
  int32_t percent = 0;                  // 0..100 of the start lag worked off
  std::optional<int64_t> eta_seconds;   // none while lag is not shrinking
  bool stalled = false;                 // lag > 0 and no new low for the stall window
};

// Turns periodic lag polls into rate, percent, ETA and a stall verdict.
// Feed it (lag, log-end total) at each poll: the processed position is
// end - lag, so the rate counts records processed even while producers keep
// writing; the ETA uses how fast the lag itself shrinks.
class ProgressTracker {
 public:
  ProgressTracker(std::shared_ptr<const Clock> clock, Clock::duration stall_window, double smoothing = 0.3);

  Progress observe(int64_t lag, int64_t end_total);

 private:
  std::shared_ptr<const Clock> clock_;
  Clock::duration stall_window_;
  double smoothing_;
  bool first_ = true;
  int64_t start_lag_ = 0;
  int64_t last_lag_ = 0;
  int64_t last_position_ = 0;
  Clock::time_point last_at_{};
  double rate_ = 0;        // records processed per second, smoothed
  double shrink_rate_ = 0; // lag decrease per second, smoothed
  int64_t lowest_lag_ = 0;
  Clock::time_point lowest_at_{};
};

}  // namespace kappa::kafka
