#include "kube/controller.h"

#include <spdlog/spdlog.h>

#include "kappa/common/log_context.h"

#include "kube/api_error.h"
#include "kube/runtime_metrics.h"

namespace kappa::kube {

bool generation_changed(const json& old_object, const json& new_object) {
  const auto generation = [](const json& o) { return o["metadata"].value("generation", 0); };
  const auto deleting = [](const json& o) { return o["metadata"].contains("deletionTimestamp"); };
  // A deletion must always reach the reconciler (finalizers), even if the
  // server did not bump the generation for it.
  return generation(old_object) != generation(new_object) || deleting(old_object) != deleting(new_object);
}

std::optional<std::string> controller_owner_key(const json& object, const std::string& owner_kind) {
  const auto& metadata = object["metadata"];
  for (const auto& ref : metadata.value("ownerReferences", json::array())) {
    if (ref.value("controller", false) && ref.value("kind", "") == owner_kind) {
      const std::string ns = metadata.value("namespace", "");
      const std::string name = ref.value("name", "");
      return ns.empty() ? name : ns + "/" + name;
    }
  }
  return std::nullopt;
}

Controller::Controller(std::string name, Reconciler& reconciler, int workers,
                       std::shared_ptr<const Clock> clock)
    : name_(std::move(name)), reconciler_(reconciler), workers_(workers),
      queue_(clock, default_controller_rate_limiter(clock), name_) {}

Controller::~Controller() { stop(); }

void Controller::watch_primary(Informer& informer, bool generation_changed_only) {
  informer.add_handlers({
      [this](const json& o) { queue_.add(object_key(o)); },
      [this, generation_changed_only](const json& old_object, const json& new_object) {
        if (!generation_changed_only || generation_changed(old_object, new_object)) {
          queue_.add(object_key(new_object));
        }
      },
      [this](const json& o) { queue_.add(object_key(o)); },
  });
}

void Controller::watch_owned(Informer& informer, const std::string& owner_kind) {
  auto enqueue_owner = [this, owner_kind](const json& o) {
    if (auto key = controller_owner_key(o, owner_kind)) queue_.add(*key);
  };
  informer.add_handlers({
      enqueue_owner,
      [enqueue_owner](const json&, const json& new_object) { enqueue_owner(new_object); },
      enqueue_owner,
  });
}

void Controller::start() {
  for (int i = 0; i < workers_; ++i) threads_.emplace_back([this] { work(); });
}

void Controller::stop() {
  queue_.shut_down_with_drain();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

void Controller::work() {
  while (auto key = queue_.get()) {
    const auto started = std::chrono::steady_clock::now();
    auto took = [&] { return std::chrono::steady_clock::now() - started; };
    // Every line this reconcile logs names it (controller, object, id).
    const LogScope scope({name_, *key, new_reconcile_id()});
    try {
      const Result result = reconciler_.reconcile(*key);
      runtime_metrics().reconciled(name_, took(), false);
      spdlog::debug("reconciled in {} ms", std::chrono::duration_cast<std::chrono::milliseconds>(took()).count());
      queue_.forget(*key);
      if (result.requeue_after) queue_.add_after(*key, *result.requeue_after);
    } catch (const std::exception& e) {
      runtime_metrics().reconciled(name_, took(), true);
      // Conflicts are routine (someone wrote first): retry quietly.
      if (is_conflict(e)) {
        spdlog::debug("{}: reconcile {} hit a conflict; retrying", name_, *key);
      } else {
        spdlog::warn("{}: reconcile {} failed (retry {}): {}", name_, *key, queue_.num_requeues(*key) + 1,
                     e.what());
      }
      queue_.add_rate_limited(*key);
    }
    queue_.done(*key);
  }
}

}  // namespace kappa::kube
