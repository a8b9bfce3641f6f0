#pragma once
#include <map>
#include <mutex>
#include <string>

#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include "controllers/controller_metrics.h"

namespace kappa::operator_metrics {

// The per-version gauges of catching-up versions (lag, progress, ETA,
// rate), labelled namespace/pipeline/version and remembered by their
// owner (the Reprocessing's key) so that they can be removed when the
// version is done: a finished version leaves no stale series behind.
class VersionGauges {
 public:
  explicit VersionGauges(prometheus::Registry& registry);

  void set(const std::string& owner, const controllers::VersionSeries& series,
           const controllers::VersionProgress& progress);
  void remove(const std::string& owner);

 private:
  void remove_locked(const prometheus::Labels& labels);

  prometheus::Family<prometheus::Gauge>& lag_;
  prometheus::Family<prometheus::Gauge>& progress_;
  prometheus::Family<prometheus::Gauge>& eta_;
  prometheus::Family<prometheus::Gauge>& rate_;
  std::mutex mutex_;
  std::map<std::string, prometheus::Labels> owners_;
};

}  // namespace kappa::operator_metrics
