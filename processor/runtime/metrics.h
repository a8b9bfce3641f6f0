#pragma once
// The processor's Prometheus metrics (prometheus-cpp core, rendered as text
// on /metrics by the serving API). All methods are thread-safe.
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <array>
#include <cstdint>
#include <memory>
#include <string>

#include "core/aggregator.h"

namespace kappa::processor {

class Metrics {
 public:
  Metrics();

  // Added once per consumed batch (an atomic update per record is a
  // measurable cost at a million records a second).
  void records_in(std::size_t n) { records_in_->Increment(static_cast<double>(n)); }
  void record_filtered() { records_filtered_->Increment(); }
  void record_bad(BadReason reason) { records_bad_[static_cast<std::size_t>(reason)]->Increment(); }
  void records_dead_lettered(std::size_t n) { records_dead_lettered_->Increment(static_cast<double>(n)); }
  void rows_written(std::size_t rows) { rows_out_->Increment(static_cast<double>(rows)); }
  void transaction_committed() { transactions_committed_->Increment(); }
  void transaction_aborted() { transactions_aborted_->Increment(); }
  void state_records_restored(std::size_t n) { restored_->Increment(static_cast<double>(n)); }
  void rebalance() { rebalances_->Increment(); }

  void set_state_keys(std::size_t n) { state_keys_->Set(static_cast<double>(n)); }
  void set_assigned_partitions(std::size_t n) { assigned_partitions_->Set(static_cast<double>(n)); }
  void set_lag(std::int64_t records) { lag_->Set(static_cast<double>(records)); }
  void set_records_per_second(double rate) { rate_->Set(rate); }
  void set_serving_keys(std::size_t n) { serving_keys_->Set(static_cast<double>(n)); }
  void set_ready(bool ready) { ready_->Set(ready ? 1 : 0); }

  double records_in() const { return records_in_->Value(); }
  double records_bad_total() const;

  std::string render() const;

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Counter* records_in_;
  prometheus::Counter* records_filtered_;
  std::array<prometheus::Counter*, kBadReasons.size()> records_bad_{};
  prometheus::Counter* records_dead_lettered_;
  prometheus::Counter* rows_out_;
  prometheus::Counter* transactions_committed_;
  prometheus::Counter* transactions_aborted_;
  prometheus::Counter* restored_;
  prometheus::Counter* rebalances_;
  prometheus::Gauge* state_keys_;
  prometheus::Gauge* assigned_partitions_;
  prometheus::Gauge* lag_;
  prometheus::Gauge* rate_;
  prometheus::Gauge* serving_keys_;
  prometheus::Gauge* ready_;
};

}  // namespace kappa::processor
