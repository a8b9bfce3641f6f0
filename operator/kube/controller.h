#pragma once
#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "kube/clock.h"
#include "kube/informer.h"
#include "kube/work_queue.h"

namespace kappa::kube {

// What a reconcile asks for next. An exception means "failed": the key is
// retried with per-item backoff.
struct Result {
  std::optional<Clock::duration> requeue_after;  // come back after this long
  static Result done() { return {}; }
  static Result after(Clock::duration d) { return {d}; }
};

// Level-triggered: given only namespace/name, read the state (from caches),
// compute, write, return. Must be idempotent.
class Reconciler {
 public:
  virtual ~Reconciler() = default;
  virtual Result reconcile(const std::string& key) = 0;
};

// Runs a Reconciler with N workers over a WorkQueue fed by informers, like
// controller-runtime's controller: the primary resource's events enqueue its
// key; owned objects' events enqueue their controller owner's key.
class Controller {
 public:
  Controller(std::string name, Reconciler& reconciler, int workers,
             std::shared_ptr<const Clock> clock = std::make_shared<SteadyClock>());
  ~Controller();
  Controller(const Controller&) = delete;
  Controller& operator=(const Controller&) = delete;

  // Events of the primary resource. With `generation_changed_only`, updates
  // that leave metadata.generation alone (status writes) are ignored.
  void watch_primary(Informer& informer, bool generation_changed_only = true);
  // Events of objects whose controller ownerReference has `owner_kind`
  // enqueue that owner (in the object's namespace).
  void watch_owned(Informer& informer, const std::string& owner_kind);

  void start();
  // Stops taking work and waits for in-flight reconciles to finish.
  void stop();

  WorkQueue& queue() { return queue_; }
  const std::string& name() const { return name_; }

 private:
  void work();

  std::string name_;
  Reconciler& reconciler_;
  int workers_;
  WorkQueue queue_;
  std::vector<std::thread> threads_;
};

// The enqueue rules, exposed for unit tests.
bool generation_changed(const nlohmann::json& old_object, const nlohmann::json& new_object);
std::optional<std::string> controller_owner_key(const nlohmann::json& object, const std::string& owner_kind);

}  // namespace kappa::kube
