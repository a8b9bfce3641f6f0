#pragma once
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "kafka/kafka_error.h"

namespace kappa::controllers {

// The version a per-version series describes.
struct VersionSeries {
  std::string ns, pipeline;
  int64_t version = 0;
};

// One lag measurement of a catching-up version, as written to its status.
struct VersionProgress {
  int64_t lag = 0;
  int progress_percent = 0;
  int64_t records_per_second = 0;
  std::optional<int64_t> eta_seconds;  // unknown until the rate is
};

// What the reconcilers report about rollouts and Kafka, beside the
// runtime's own hooks (kube/runtime_metrics.h). The default does nothing;
// the operator installs one backed by prometheus-cpp, tests one that
// records, so controllers never depend on a metrics library.
// Implementations must be thread-safe and cheap.
class ControllerMetrics {
 public:
  using seconds = std::chrono::duration<double>;
  virtual ~ControllerMetrics() = default;

  // A catching-up version was measured. `owner` (the Reprocessing's key)
  // names the series so that version_gone() can drop them without knowing
  // the version (the object may be gone from the cache by then).
  virtual void version_progress(const std::string& /*owner*/, const VersionSeries& /*series*/,
                                const VersionProgress& /*progress*/) {}
  // The owner's version is no longer catching up (promoted, aborted,
  // failed, deleted): its per-version series must go.
  virtual void version_gone(const std::string& /*owner*/) {}

  // The serving Service was pointed at a new version (created for the
  // first one, switched for the next).
  virtual void switched(const std::string& /*ns*/, const std::string& /*pipeline*/) {}
  virtual void rolled_back(const std::string& /*ns*/, const std::string& /*pipeline*/) {}
  virtual void aborted(const std::string& /*ns*/, const std::string& /*pipeline*/) {}
  // A version was recorded CaughtUp, `took` after its replay started.
  virtual void caught_up(const std::string& /*ns*/, const std::string& /*pipeline*/, seconds /*took*/) {}
  // A Lambda generation's batch run ended (`succeeded` or failed), `took`
  // after its Job was created.
  virtual void batch_finished(const std::string& /*ns*/, const std::string& /*pipeline*/, bool /*succeeded*/,
                              seconds /*took*/) {}
  // A Lambda generation now serves whose batch run completed at `completed`
  // (its staleness is the time since).
  virtual void serving_batch(const std::string& /*ns*/, const std::string& /*pipeline*/,
                             std::chrono::system_clock::time_point /*completed*/) {}
  // The Pipeline is deleted (its finalizer done): its series must go, or
  // every deleted Pipeline would stay in /metrics until the operator
  // restarts. A Pipeline created again under the name starts from zero.
  virtual void pipeline_gone(const std::string& /*ns*/, const std::string& /*pipeline*/) {}

  // One Kafka admin call; `error` when it threw.
  virtual void kafka_call(const std::string& /*operation*/, seconds /*took*/,
                          std::optional<kafka::KafkaErrorKind> /*error*/) {}
};

}  // namespace kappa::controllers
