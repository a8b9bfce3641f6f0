#pragma once
#include <utility>

#include <prometheus/family.h>
#include <prometheus/labels.h>

namespace kappa::operator_metrics {

// Drops the series `labels` names from `family`, if it has one. Family::Remove
// wants the metric itself, and Add returns the existing one (a histogram's
// Add needs bucket boundaries to compile: pass any, an existing series keeps
// its own).
template <typename T, typename... Args>
void remove_series(prometheus::Family<T>& family, const prometheus::Labels& labels, Args&&... args) {
  if (family.Has(labels)) family.Remove(&family.Add(labels, std::forward<Args>(args)...));
}

}  // namespace kappa::operator_metrics
