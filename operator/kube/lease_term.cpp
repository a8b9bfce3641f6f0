#include "kube/lease_term.h"

#include <algorithm>

namespace kappa::kube {

LeaseTerm::LeaseTerm(std::chrono::seconds lease_duration, std::chrono::seconds renew_deadline,
                     std::function<steady::time_point()> now)
    : lease_duration_(lease_duration), renew_deadline_(renew_deadline), now_(std::move(now)) {}

void LeaseTerm::extend(steady::time_point sent_at) {
  std::lock_guard lock(mutex_);
  if (!renewed_sent_at_ || sent_at > *renewed_sent_at_) renewed_sent_at_ = sent_at;
}

void LeaseTerm::end() {
  std::lock_guard lock(mutex_);
  renewed_sent_at_.reset();
}

bool LeaseTerm::active() const {
  std::lock_guard lock(mutex_);
  return renewed_sent_at_ && now_() < *renewed_sent_at_ + renew_deadline_;
}

LeaseTerm::steady::time_point LeaseTerm::admit_write(const std::string& what) const {
  std::lock_guard lock(mutex_);
  if (!renewed_sent_at_) throw WriteFenced(what + ": not sent, this replica does not hold the leader Lease");
  if (now_() >= *renewed_sent_at_ + renew_deadline_) {
    throw WriteFenced(what + ": not sent, the leader Lease was not renewed within the renew deadline");
  }
  // Half the gap between renew deadline and lease duration (at most a
  // second) is left for the answer to travel back.
  const auto margin = std::min<steady::duration>(
      std::chrono::seconds(1), std::chrono::duration_cast<std::chrono::milliseconds>(lease_duration_ - renew_deadline_) / 2);
  return *renewed_sent_at_ + lease_duration_ - margin;
}

}  // namespace kappa::kube
