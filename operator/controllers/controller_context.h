#pragma once
#include <chrono>
#include <functional>
#include <memory>

#include "controllers/controller_metrics.h"
#include "controllers/kafka_access.h"
#include "controllers/lag_poller.h"
#include "controllers/terminating_namespaces.h"
#include "kappa/common/clock.h"
#include "kube/event_recorder.h"
#include "kube/kube_client.h"
#include "kube/object_cache.h"

namespace kappa::controllers {

// The informer caches the reconcilers read from (writes go to the client).
struct Caches {
  const kube::ObjectCache& pipelines;
  const kube::ObjectCache& reprocessings;
  const kube::ObjectCache& deployments;  // managed by kappa-operator only
  const kube::ObjectCache& services;      // managed by kappa-operator only
  const kube::ObjectCache& pods;          // managed by kappa-operator only
  const kube::ObjectCache& disruption_budgets;  // managed by kappa-operator only
  const kube::ObjectCache& jobs;                // Lambda batch runs; managed by kappa-operator only
};

struct ControllerOptions {
  // How often a catching-up version's lag is measured.
  std::chrono::milliseconds lag_poll_interval{std::chrono::seconds(5)};
  // Lag with no new low for this long while above maxLag: Stalled.
  std::chrono::milliseconds stall_window{std::chrono::minutes(3)};
  // How long to wait before looking again at something outside our control
  // (a missing topic, a foreign Service, an unreachable cluster).
  std::chrono::milliseconds retry_interval{std::chrono::seconds(15)};
  // Secrets are not watched (that needs list on every Secret): a Pipeline
  // with a secretRef reads it again this often, so a rotated or broken
  // password is seen without a spec change.
  std::chrono::milliseconds secret_recheck_interval{std::chrono::minutes(5)};
};

// What both reconcilers share: clients, caches, clocks, options, metrics.
struct ControllerContext {
  kube::KubeClient& client;
  Caches caches;
  KafkaAdminPool& kafka;
  kube::EventRecorder& events;
  std::shared_ptr<const Clock> clock;  // intervals (progress rate)
  std::function<std::chrono::system_clock::time_point()> wall_clock = [] { return std::chrono::system_clock::now(); };
  ControllerOptions options;
  std::shared_ptr<ControllerMetrics> metrics = std::make_shared<ControllerMetrics>();  // never null
  // Catching-up versions' lag, batched per cluster; the manager runs its
  // rounds, unit tests call poll_round() themselves. Never null.
  std::shared_ptr<LagPoller> lag_poller = std::make_shared<LagPoller>();
  // Namespaces being deleted, as their refusals told us. Never null.
  std::shared_ptr<TerminatingNamespaces> terminating = std::make_shared<TerminatingNamespaces>();

  // An Event about `object` (a Warning when `warning`), action "Reconcile".
  void event(const nlohmann::json& object, bool warning, const std::string& reason, const std::string& note) const {
    const auto ref = kube::ObjectRef::of(object);
    if (warning) {
      events.warning(ref, reason, "Reconcile", note);
    } else {
      events.normal(ref, reason, "Reconcile", note);
    }
  }
};

}  // namespace kappa::controllers
