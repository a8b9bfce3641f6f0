#pragma once
#include <map>
#include <mutex>
#include <string>

#include "kube/runtime_metrics.h"

namespace kappa::operator_cmd {

// The runtime's hooks kept as counters and rendered in the Prometheus text
// format for /metrics: reconciles (total, errors, seconds) by controller,
// work queue adds/retries/depth by queue, API requests by verb and code,
// watch restarts by resource and reason. Prometheus naming: snake_case,
// unit suffixes, _total for counters.
class OperatorMetrics final : public kube::RuntimeMetrics {
 public:
  void queue_added(const std::string& queue) override;
  void queue_depth(const std::string& queue, std::size_t depth) override;
  void queue_retried(const std::string& queue) override;
  void reconciled(const std::string& controller, duration took, bool failed) override;
  void watch_restarted(const std::string& resource, const std::string& reason) override;
  void api_request(const std::string& verb, int code, duration took) override;

  std::string render(bool leading) const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, double> reconcile_total_, reconcile_errors_, reconcile_seconds_;
  std::map<std::string, double> queue_adds_, queue_retries_, queue_depth_;
  std::map<std::string, double> watch_restarts_;  // resource,reason
  std::map<std::string, double> api_requests_;    // verb,code
};

}  // namespace kappa::operator_cmd
