#include "arrivals.h"

#include <stdexcept>

namespace kappa::bench {

namespace {
const char* const kPipelineLabel = "kappa.dev/pipeline";
}

Arrivals::Arrivals(kube::RestClient& rest, kube::Resource resource) {
  kube::InformerOptions options;
  options.label_selector = kPipelineLabel;
  options.trim = [](nlohmann::json& object) {  // only the name, namespace and labels are read
    object.erase("spec");
    object.erase("status");
  };
  kube::EventHandlers handlers;
  handlers.on_add = [this](const nlohmann::json& object) { seen(object); };
  informer_ = std::make_unique<kube::Informer>(rest, std::move(resource), std::move(options), std::move(handlers));
}

Arrivals::~Arrivals() { informer_->stop(); }

void Arrivals::start(std::chrono::seconds limit) {
  informer_->start();
  if (!informer_->wait_for_sync(limit)) {
    throw std::runtime_error("the watch of " + informer_->resource().plural + " did not sync within " +
                             std::to_string(limit.count()) + " s");
  }
}

void Arrivals::seen(const nlohmann::json& object) {
  const auto now = Clock::now();
  const auto& meta = object["metadata"];
  const std::string pipeline = meta.value("labels", nlohmann::json::object()).value(kPipelineLabel, "");
  std::lock_guard lock(mutex_);
  // emplace keeps the first time: a relist's adds do not make old objects new
  first_seen_[meta.value("namespace", "") + "/" + pipeline].emplace(meta.value("name", ""), now);
  arrived_.notify_all();
}

Arrivals::Clock::time_point Arrivals::wait_for_new(const std::string& ns, const std::string& pipeline,
                                                   Clock::time_point since, std::chrono::seconds limit) {
  std::unique_lock lock(mutex_);
  std::optional<Clock::time_point> found;
  const bool ok = arrived_.wait_for(lock, limit, [&] {
    for (const auto& [name, at] : first_seen_[ns + "/" + pipeline]) {
      if (at > since) found = at;
    }
    return found.has_value();
  });
  if (!ok) {
    throw std::runtime_error("no new " + informer_->resource().plural + " of " + ns + "/" + pipeline + " within " +
                             std::to_string(limit.count()) + " s");
  }
  return *found;
}

}  // namespace kappa::bench
