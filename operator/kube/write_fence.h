#pragma once
#include <chrono>
#include <stdexcept>
#include <string>

namespace kappa::kube {

// A write was not sent because this process may not write now (it does not
// hold the leader Lease, or its term has run out). Reconciles that hit it
// fail and are retried; a replica that lost the Lease exits anyway.
class WriteFenced : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Decides whether a write to the API server may be sent, and by when its
// answer must come (the request is cut then). Reads are never fenced.
class WriteFence {
 public:
  virtual ~WriteFence() = default;
  // The deadline for a write sent now; throws WriteFenced to refuse it.
  virtual std::chrono::steady_clock::time_point admit_write(const std::string& what) const = 0;
};

}  // namespace kappa::kube
