#pragma once
#include <chrono>
#include <functional>
#include <mutex>
#include <optional>

#include "kube/write_fence.h"

namespace kappa::kube {

// The leader's term, as a WriteFence. Each successful acquire or renew of
// the Lease extends it, timed from the moment its Lease write was *sent*:
// the other candidates time the Lease from when they see that write, which
// is later (and a candidate that wrote first makes ours fail), so none of
// them can take it over before sent_at + lease_duration.
// Writes may start until sent_at + renew_deadline (when the elector gives up
// leading) and are cut at sent_at + lease_duration - margin, so every write
// of ours has ended before another replica may hold the Lease.
class LeaseTerm final : public WriteFence {
 public:
  using steady = std::chrono::steady_clock;

  LeaseTerm(std::chrono::seconds lease_duration, std::chrono::seconds renew_deadline,
            std::function<steady::time_point()> now = [] { return steady::now(); });

  // A renewal sent at `sent_at` succeeded.
  void extend(steady::time_point sent_at);
  // Leadership is over: no write may start from now on.
  void end();
  bool active() const;

  steady::time_point admit_write(const std::string& what) const override;

 private:
  std::chrono::seconds lease_duration_, renew_deadline_;
  std::function<steady::time_point()> now_;
  mutable std::mutex mutex_;
  std::optional<steady::time_point> renewed_sent_at_;
};

}  // namespace kappa::kube
