#include "kube/runtime_metrics.h"

#include <atomic>

namespace kappa::kube {
namespace {

std::shared_ptr<RuntimeMetrics>& slot() {
  static std::shared_ptr<RuntimeMetrics> installed = std::make_shared<RuntimeMetrics>();
  return installed;
}

}  // namespace

RuntimeMetrics& runtime_metrics() { return *std::atomic_load(&slot()); }

void set_runtime_metrics(std::shared_ptr<RuntimeMetrics> metrics) {
  std::atomic_store(&slot(), metrics ? std::move(metrics) : std::make_shared<RuntimeMetrics>());
}

}  // namespace kappa::kube
