#pragma once
#include <chrono>
#include <memory>
#include <string>

namespace kappa::kube {

// Hooks through which the runtime reports what it does. The default does
// nothing; the operator installs one backed by prometheus-cpp, tests one
// that records. Implementations must be thread-safe and cheap.
class RuntimeMetrics {
 public:
  using duration = std::chrono::steady_clock::duration;
  virtual ~RuntimeMetrics() = default;

  virtual void queue_added(const std::string& /*queue*/) {}
  virtual void queue_depth(const std::string& /*queue*/, std::size_t /*depth*/) {}
  // How long an item waited between being queued and handed to a worker.
  virtual void queue_latency(const std::string& /*queue*/, duration /*waited*/) {}
  virtual void queue_retried(const std::string& /*queue*/) {}
  virtual void reconciled(const std::string& /*controller*/, duration /*took*/, bool /*failed*/) {}
  // reason: "expired" (410), "closed" (timeout), "error" (connection failed).
  virtual void watch_restarted(const std::string& /*resource*/, const std::string& /*reason*/) {}
  // code 0: no HTTP answer (transport failure).
  virtual void api_request(const std::string& /*verb*/, int /*code*/, duration /*took*/) {}
};

// The process-wide hooks (never null).
RuntimeMetrics& runtime_metrics();
// Installs hooks for the whole process; nullptr restores the no-op default.
void set_runtime_metrics(std::shared_ptr<RuntimeMetrics> metrics);

}  // namespace kappa::kube
