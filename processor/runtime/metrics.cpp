#include "runtime/metrics.h"

#include <prometheus/text_serializer.h>

#include <sstream>

namespace kappa::processor {
namespace {

prometheus::Counter* counter(prometheus::Registry& registry, const std::string& name, const std::string& help,
                             const prometheus::Labels& labels = {}) {
  return &prometheus::BuildCounter().Name(name).Help(help).Register(registry).Add(labels);
}

prometheus::Gauge* gauge(prometheus::Registry& registry, const std::string& name, const std::string& help) {
  return &prometheus::BuildGauge().Name(name).Help(help).Register(registry).Add({});
}

}  // namespace

Metrics::Metrics() : registry_(std::make_shared<prometheus::Registry>()) {
  auto& r = *registry_;
  records_in_ = counter(r, "kappa_processor_records_in_total", "Input records consumed and processed");
  records_filtered_ = counter(r, "kappa_processor_records_filtered_total", "Input records the view filter dropped");
  auto& bad = prometheus::BuildCounter()
                  .Name("kappa_processor_records_bad_total")
                  .Help("Input records skipped as bad, by reason")
                  .Register(r);
  for (const auto reason : kBadReasons) {
    records_bad_[static_cast<std::size_t>(reason)] = &bad.Add({{"reason", std::string(to_string(reason))}});
  }
  records_dead_lettered_ =
      counter(r, "kappa_processor_records_dead_lettered_total", "Bad records written to the dead-letter topic");
  rows_out_ = counter(r, "kappa_processor_rows_written_total", "Output table rows written (one per changed key per transaction)");
  auto& transactions = prometheus::BuildCounter()
                           .Name("kappa_processor_transactions_total")
                           .Help("Kafka transactions by outcome")
                           .Register(r);
  transactions_committed_ = &transactions.Add({{"outcome", "committed"}});
  transactions_aborted_ = &transactions.Add({{"outcome", "aborted"}});
  restored_ = counter(r, "kappa_processor_state_records_restored_total", "State changelog records read back");
  rebalances_ = counter(r, "kappa_processor_rebalances_total", "Consumer group assignments received");
  state_keys_ = gauge(r, "kappa_processor_state_keys", "Keys held in the state of the assigned partitions");
  assigned_partitions_ = gauge(r, "kappa_processor_assigned_partitions", "Input partitions assigned to this replica");
  lag_ = gauge(r, "kappa_processor_lag_records", "Input records not yet processed on the assigned partitions");
  rate_ = gauge(r, "kappa_processor_records_per_second", "Input records processed per second (recent)");
  serving_keys_ = gauge(r, "kappa_processor_serving_keys", "Rows of the output table this replica serves");
  ready_ = gauge(r, "kappa_processor_ready", "1 when state is restored and the served table has caught up");
}

double Metrics::records_bad_total() const {
  double total = 0;
  for (const auto* c : records_bad_) total += c->Value();
  return total;
}

std::string Metrics::render() const {
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, registry_->Collect());
  return out.str();
}

}  // namespace kappa::processor
