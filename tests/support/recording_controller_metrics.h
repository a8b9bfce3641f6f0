#pragma once
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "controllers/controller_metrics.h"

namespace kappa::testing {

// A ControllerMetrics that records every report as a line of text, for
// tests of what the controllers report.
class RecordingControllerMetrics : public controllers::ControllerMetrics {
 public:
  void version_progress(const std::string& owner, const controllers::VersionSeries& s,
                        const controllers::VersionProgress& p) override {
    record("progress " + owner + " " + s.ns + "/" + s.pipeline + "/v" + std::to_string(s.version) + " lag " +
           std::to_string(p.lag));
  }
  void version_gone(const std::string& owner) override { record("gone " + owner); }
  void switched(const std::string& ns, const std::string& p) override { record("switched " + ns + "/" + p); }
  void rolled_back(const std::string& ns, const std::string& p) override { record("rolled_back " + ns + "/" + p); }
  void aborted(const std::string& ns, const std::string& p) override { record("aborted " + ns + "/" + p); }
  void caught_up(const std::string& ns, const std::string& p, seconds took) override {
    record("caught_up " + ns + "/" + p + " " + std::to_string(static_cast<long>(took.count())) + "s");
  }
  void batch_finished(const std::string& ns, const std::string& p, bool succeeded, seconds took) override {
    record(std::string("batch_") + (succeeded ? "succeeded " : "failed ") + ns + "/" + p + " " +
           std::to_string(static_cast<long>(took.count())) + "s");
  }
  void serving_batch(const std::string& ns, const std::string& p, std::chrono::system_clock::time_point) override {
    record("serving_batch " + ns + "/" + p);
  }
  void pipeline_gone(const std::string& ns, const std::string& p) override { record("pipeline_gone " + ns + "/" + p); }
  void kafka_call(const std::string& operation, seconds, std::optional<kafka::KafkaErrorKind> error) override {
    record("kafka " + operation + (error ? std::string(" ") + kafka::to_string(*error) : std::string(" ok")));
  }

  std::vector<std::string> lines() const {
    std::lock_guard lock(mutex_);
    return lines_;
  }

 private:
  void record(std::string line) {
    std::lock_guard lock(mutex_);
    lines_.push_back(std::move(line));
  }
  mutable std::mutex mutex_;
  std::vector<std::string> lines_;
};

}  // namespace kappa::testing
