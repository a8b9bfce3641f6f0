#include "metrics/version_gauges.h"

#include "metrics/remove_series.h"

namespace kappa::operator_metrics {

namespace {

prometheus::Family<prometheus::Gauge>& gauge(prometheus::Registry& registry, const char* name, const char* help) {
  return prometheus::BuildGauge().Name(name).Help(help).Register(registry);
}

}  // namespace

VersionGauges::VersionGauges(prometheus::Registry& registry)
    : lag_(gauge(registry, "kappa_operator_version_lag_records",
                 "Consumer lag of a catching-up version's group on the input topic, in records.")),
      progress_(gauge(registry, "kappa_operator_version_progress_ratio",
                      "Share of the replay a catching-up version has done (0..1).")),
      eta_(gauge(registry, "kappa_operator_version_eta_seconds",
                 "Estimated seconds until a catching-up version has caught up (absent while unknown).")),
      rate_(gauge(registry, "kappa_operator_version_records_per_second",
                  "Input records per second a catching-up version processes (smoothed).")) {}

void VersionGauges::set(const std::string& owner, const controllers::VersionSeries& series,
                        const controllers::VersionProgress& progress) {
  const prometheus::Labels labels{
      {"namespace", series.ns}, {"pipeline", series.pipeline}, {"version", std::to_string(series.version)}};
  std::lock_guard lock(mutex_);
  auto [it, added] = owners_.try_emplace(owner, labels);
  if (!added && it->second != labels) {  // the owner moved to another version: drop the old one
    remove_locked(it->second);
    it->second = labels;
  }
  lag_.Add(labels).Set(static_cast<double>(progress.lag));
  progress_.Add(labels).Set(progress.progress_percent / 100.0);
  rate_.Add(labels).Set(static_cast<double>(progress.records_per_second));
  if (progress.eta_seconds) {
    eta_.Add(labels).Set(static_cast<double>(*progress.eta_seconds));
  } else {
    remove_series(eta_, labels);
  }
}

void VersionGauges::remove(const std::string& owner) {
  std::lock_guard lock(mutex_);
  const auto it = owners_.find(owner);
  if (it == owners_.end()) return;
  remove_locked(it->second);
  owners_.erase(it);
}

void VersionGauges::remove_locked(const prometheus::Labels& labels) {
  for (auto* family : {&lag_, &progress_, &eta_, &rate_}) remove_series(*family, labels);
}

}  // namespace kappa::operator_metrics
