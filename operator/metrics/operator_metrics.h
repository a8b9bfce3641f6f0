#pragma once
#include <memory>
#include <string>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "controllers/controller_metrics.h"
#include "kube/runtime_metrics.h"
#include "metrics/version_gauges.h"

namespace kappa::operator_metrics {

// The operator's /metrics: the runtime's hooks (reconciles, work queues,
// API requests, watches) and the controllers' (per-version progress,
// switches, rollbacks, aborts, catch-up time, Kafka admin calls) kept in a
// prometheus-cpp registry and rendered in the text exposition format.
// Every name starts with kappa_operator_ and follows Prometheus' rules:
// base units (seconds, records), _total on counters, _ratio for 0..1.
class OperatorMetrics final : public kube::RuntimeMetrics, public controllers::ControllerMetrics {
 public:
  OperatorMetrics();

  // kube::RuntimeMetrics
  void queue_added(const std::string& queue) override;
  void queue_depth(const std::string& queue, std::size_t depth) override;
  void queue_latency(const std::string& queue, duration waited) override;
  void queue_retried(const std::string& queue) override;
  void reconciled(const std::string& controller, duration took, bool failed) override;
  void watch_restarted(const std::string& resource, const std::string& reason) override;
  void api_request(const std::string& verb, int code, duration took) override;

  // controllers::ControllerMetrics
  void version_progress(const std::string& owner, const controllers::VersionSeries& series,
                        const controllers::VersionProgress& progress) override;
  void version_gone(const std::string& owner) override;
  void switched(const std::string& ns, const std::string& pipeline) override;
  void rolled_back(const std::string& ns, const std::string& pipeline) override;
  void aborted(const std::string& ns, const std::string& pipeline) override;
  void caught_up(const std::string& ns, const std::string& pipeline, seconds took) override;
  void batch_finished(const std::string& ns, const std::string& pipeline, bool succeeded, seconds took) override;
  void serving_batch(const std::string& ns, const std::string& pipeline,
                     std::chrono::system_clock::time_point completed) override;
  void pipeline_gone(const std::string& ns, const std::string& pipeline) override;
  void kafka_call(const std::string& operation, seconds took, std::optional<kafka::KafkaErrorKind> error) override;

  // The text exposition of every series; `leading` is read at scrape time.
  std::string render(bool leading) const;

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Gauge& leader_;
  prometheus::Family<prometheus::Counter>& reconcile_total_;
  prometheus::Family<prometheus::Counter>& reconcile_errors_;
  prometheus::Family<prometheus::Histogram>& reconcile_seconds_;
  prometheus::Family<prometheus::Gauge>& queue_depth_;
  prometheus::Family<prometheus::Counter>& queue_adds_;
  prometheus::Family<prometheus::Counter>& queue_retries_;
  prometheus::Family<prometheus::Histogram>& queue_seconds_;
  prometheus::Family<prometheus::Counter>& watch_restarts_;
  prometheus::Family<prometheus::Counter>& api_requests_;
  prometheus::Family<prometheus::Histogram>& api_seconds_;
  VersionGauges versions_;
  prometheus::Family<prometheus::Counter>& switches_;
  prometheus::Family<prometheus::Counter>& rollbacks_;
  prometheus::Family<prometheus::Counter>& aborts_;
  prometheus::Family<prometheus::Histogram>& catch_up_seconds_;
  prometheus::Family<prometheus::Histogram>& batch_seconds_;
  prometheus::Family<prometheus::Gauge>& serving_batch_completed_;
  prometheus::Family<prometheus::Histogram>& kafka_seconds_;
  prometheus::Family<prometheus::Counter>& kafka_errors_;
};

}  // namespace kappa::operator_metrics
