#include "ready_watch.h"

#include <algorithm>
#include <stdexcept>

#include "fleet.h"

namespace kappa::bench {

using nlohmann::json;

namespace {
std::string key_of(const json& object) {
  return object["metadata"].value("namespace", "") + "/" + object["metadata"].value("name", "");
}
}  // namespace

ReadyWatch::ReadyWatch(kube::RestClient& rest, const std::string& label_selector) {
  kube::InformerOptions options;
  options.label_selector = label_selector;
  kube::EventHandlers handlers;
  handlers.on_add = [this](const json& p) { seen(p); };
  handlers.on_update = [this](const json&, const json& p) { seen(p); };
  handlers.on_delete = [this](const json& p) { gone(p); };
  informer_ = std::make_unique<kube::Informer>(rest, kPipelines, std::move(options), std::move(handlers));
}

ReadyWatch::~ReadyWatch() { informer_->stop(); }

void ReadyWatch::start(std::chrono::seconds limit) {
  informer_->start();
  if (!informer_->wait_for_sync(limit)) {
    throw std::runtime_error("the watch of Pipelines did not sync within " + std::to_string(limit.count()) + " s");
  }
}

int ReadyWatch::ready() const {
  std::lock_guard lock(mutex_);
  return static_cast<int>(std::count_if(ready_.begin(), ready_.end(), [](const auto& e) { return e.second; }));
}

bool ReadyWatch::ready_for_generation(const json& pipeline) {
  const auto generation = pipeline["metadata"].value("generation", 0LL);
  const auto& status = pipeline.value("status", json::object());
  for (const auto& c : status.value("conditions", json::array())) {
    if (c.value("type", "") != "Ready") continue;
    const auto observed = c.contains("observedGeneration") ? c.value("observedGeneration", 0LL)
                                                           : status.value("observedGeneration", 0LL);
    return c.value("status", "") == "True" && observed >= generation;
  }
  return false;
}

void ReadyWatch::seen(const json& pipeline) {
  const bool ready = ready_for_generation(pipeline);
  std::lock_guard lock(mutex_);
  ready_[key_of(pipeline)] = ready;
}

void ReadyWatch::gone(const json& pipeline) {
  std::lock_guard lock(mutex_);
  ready_.erase(key_of(pipeline));
}

}  // namespace kappa::bench
