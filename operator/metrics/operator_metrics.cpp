#include "metrics/operator_metrics.h"

#include <prometheus/text_serializer.h>

#include <sstream>

#include "metrics/remove_series.h"

namespace kappa::operator_metrics {

namespace {

using prometheus::Histogram;

// Reconciles, queue waits and API requests: milliseconds to a minute.
const Histogram::BucketBoundaries kRuntimeBuckets{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
// Kafka admin calls: a millisecond to past the default 10 s timeout.
const Histogram::BucketBoundaries kKafkaBuckets{0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
// A replay: seconds for a small topic to past the default 6 h catchUpDeadline.
const Histogram::BucketBoundaries kCatchUpBuckets{1,    5,    15,   30,    60,    120,   300,  600,
                                                  1200, 1800, 3600, 7200, 14400, 21600, 43200, 86400};

prometheus::Family<prometheus::Counter>& counter(prometheus::Registry& r, const char* name, const char* help) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(r);
}
prometheus::Family<prometheus::Gauge>& gauge(prometheus::Registry& r, const char* name, const char* help) {
  return prometheus::BuildGauge().Name(name).Help(help).Register(r);
}
prometheus::Family<Histogram>& histogram(prometheus::Registry& r, const char* name, const char* help) {
  return prometheus::BuildHistogram().Name(name).Help(help).Register(r);
}

double seconds_of(kube::RuntimeMetrics::duration d) { return std::chrono::duration<double>(d).count(); }

prometheus::Labels of_pipeline(const std::string& ns, const std::string& pipeline) {
  return {{"namespace", ns}, {"pipeline", pipeline}};
}

}  // namespace

OperatorMetrics::OperatorMetrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      leader_(gauge(*registry_, "kappa_operator_leader", "1 while this replica leads (runs the controllers), else 0.")
                  .Add({})),
      reconcile_total_(counter(*registry_, "kappa_operator_reconcile_total", "Reconciles run, by controller.")),
      reconcile_errors_(counter(*registry_, "kappa_operator_reconcile_errors_total",
                                "Reconciles that failed (the key is retried with backoff), by controller.")),
      reconcile_seconds_(histogram(*registry_, "kappa_operator_reconcile_duration_seconds",
                                   "Time one reconcile took, by controller.")),
      queue_depth_(gauge(*registry_, "kappa_operator_workqueue_depth", "Keys ready in the work queue, by queue.")),
      queue_adds_(counter(*registry_, "kappa_operator_workqueue_adds_total", "Keys added to the work queue.")),
      queue_retries_(counter(*registry_, "kappa_operator_workqueue_retries_total",
                             "Keys re-queued with per-item backoff after a failed reconcile.")),
      queue_seconds_(histogram(*registry_, "kappa_operator_workqueue_queue_duration_seconds",
                               "Time a key waited in the work queue before a worker took it.")),
      watch_restarts_(counter(*registry_, "kappa_operator_watch_restarts_total",
                              "Watches restarted, by resource and reason (expired, closed, error).")),
      api_requests_(counter(*registry_, "kappa_operator_api_requests_total",
                            "Kubernetes API requests, by verb and HTTP code (0: no answer).")),
      api_seconds_(histogram(*registry_, "kappa_operator_api_request_duration_seconds",
                             "Kubernetes API request latency, by verb.")),
      versions_(*registry_),
      switches_(counter(*registry_, "kappa_operator_switches_total",
                        "Times the serving Service was pointed at a new version (its creation for the first).")),
      rollbacks_(counter(*registry_, "kappa_operator_rollbacks_total",
                         "Rollbacks: the serving Service flipped back to a warm previous version.")),
      aborts_(counter(*registry_, "kappa_operator_aborts_total",
                      "Reprocessings aborted (spec.abort, or superseded by a newer template).")),
      catch_up_seconds_(histogram(*registry_, "kappa_operator_catch_up_duration_seconds",
                                  "Time from a version's replay start (its Deployment's creation) to CaughtUp.")),
      batch_seconds_(histogram(*registry_, "kappa_operator_batch_duration_seconds",
                               "Lambda: time from a batch run's Job creation to its end, by outcome.")),
      serving_batch_completed_(gauge(*registry_, "kappa_operator_serving_batch_completed_timestamp_seconds",
                                     "Lambda: when the serving generation's batch run completed (Unix time); "
                                     "time() minus this is the batch view's staleness.")),
      kafka_seconds_(histogram(*registry_, "kappa_operator_kafka_admin_duration_seconds",
                               "Kafka admin call latency, by operation (failed calls included).")),
      kafka_errors_(counter(*registry_, "kappa_operator_kafka_admin_errors_total",
                            "Kafka admin calls that failed, by operation and error kind.")) {}

void OperatorMetrics::queue_added(const std::string& queue) { queue_adds_.Add({{"name", queue}}).Increment(); }

void OperatorMetrics::queue_depth(const std::string& queue, std::size_t depth) {
  queue_depth_.Add({{"name", queue}}).Set(static_cast<double>(depth));
}

void OperatorMetrics::queue_latency(const std::string& queue, duration waited) {
  queue_seconds_.Add({{"name", queue}}, kRuntimeBuckets).Observe(seconds_of(waited));
}

void OperatorMetrics::queue_retried(const std::string& queue) { queue_retries_.Add({{"name", queue}}).Increment(); }

void OperatorMetrics::reconciled(const std::string& controller, duration took, bool failed) {
  const prometheus::Labels labels{{"controller", controller}};
  reconcile_total_.Add(labels).Increment();
  // Created with the first reconcile so that rate() of errors starts at 0.
  auto& errors = reconcile_errors_.Add(labels);
  if (failed) errors.Increment();
  reconcile_seconds_.Add(labels, kRuntimeBuckets).Observe(seconds_of(took));
}

void OperatorMetrics::watch_restarted(const std::string& resource, const std::string& reason) {
  watch_restarts_.Add({{"resource", resource}, {"reason", reason}}).Increment();
}

void OperatorMetrics::api_request(const std::string& verb, int code, duration took) {
  api_requests_.Add({{"verb", verb}, {"code", std::to_string(code)}}).Increment();
  api_seconds_.Add({{"verb", verb}}, kRuntimeBuckets).Observe(seconds_of(took));
}

void OperatorMetrics::version_progress(const std::string& owner, const controllers::VersionSeries& series,
                                       const controllers::VersionProgress& progress) {
  versions_.set(owner, series, progress);
}

void OperatorMetrics::version_gone(const std::string& owner) { versions_.remove(owner); }

void OperatorMetrics::switched(const std::string& ns, const std::string& pipeline) {
  switches_.Add(of_pipeline(ns, pipeline)).Increment();
}

void OperatorMetrics::rolled_back(const std::string& ns, const std::string& pipeline) {
  rollbacks_.Add(of_pipeline(ns, pipeline)).Increment();
}

void OperatorMetrics::aborted(const std::string& ns, const std::string& pipeline) {
  aborts_.Add(of_pipeline(ns, pipeline)).Increment();
}

void OperatorMetrics::caught_up(const std::string& ns, const std::string& pipeline, seconds took) {
  catch_up_seconds_.Add(of_pipeline(ns, pipeline), kCatchUpBuckets).Observe(took.count());
}

void OperatorMetrics::batch_finished(const std::string& ns, const std::string& pipeline, bool succeeded,
                                     seconds took) {
  auto labels = of_pipeline(ns, pipeline);
  labels["outcome"] = succeeded ? "Succeeded" : "Failed";
  batch_seconds_.Add(labels, kCatchUpBuckets).Observe(took.count());
}

void OperatorMetrics::serving_batch(const std::string& ns, const std::string& pipeline,
                                    std::chrono::system_clock::time_point completed) {
  serving_batch_completed_.Add(of_pipeline(ns, pipeline))
      .Set(std::chrono::duration<double>(completed.time_since_epoch()).count());
}

void OperatorMetrics::pipeline_gone(const std::string& ns, const std::string& pipeline) {
  const auto labels = of_pipeline(ns, pipeline);
  for (auto* family : {&switches_, &rollbacks_, &aborts_}) remove_series(*family, labels);
  remove_series(catch_up_seconds_, labels, kCatchUpBuckets);
  remove_series(serving_batch_completed_, labels);
  for (const char* outcome : {"Succeeded", "Failed"}) {
    auto with_outcome = labels;
    with_outcome["outcome"] = outcome;
    remove_series(batch_seconds_, with_outcome, kCatchUpBuckets);
  }
}

void OperatorMetrics::kafka_call(const std::string& operation, seconds took,
                                 std::optional<kafka::KafkaErrorKind> error) {
  kafka_seconds_.Add({{"operation", operation}}, kKafkaBuckets).Observe(took.count());
  if (error) kafka_errors_.Add({{"operation", operation}, {"kind", kafka::to_string(*error)}}).Increment();
}

std::string OperatorMetrics::render(bool leading) const {
  leader_.Set(leading ? 1 : 0);
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, registry_->Collect());
  return out.str();
}

}  // namespace kappa::operator_metrics
