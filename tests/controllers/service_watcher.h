#pragma once
// Records every selector the serving Service takes and checks
// docs/design.md, invariant 1 as it happens: at the moment the Service
// selects version N, the Reprocessing that built N says CaughtUp=True (the
// first version too).
#include <mutex>
#include <string>
#include <vector>

#include "api/names.h"
#include "kube/http_kube_client.h"
#include "kube/informer.h"

namespace kappa::testing {

class ServiceWatcher {
 public:
  ServiceWatcher(kube::RestClient& rest, const std::string& ns, const std::string& service)
      : client_(rest), ns_(ns), service_(service) {
    kube::InformerOptions options;
    options.ns = ns;
    options.field_selector = "metadata.name=" + service;
    informer_ = std::make_unique<kube::Informer>(rest, kube::resources::kServices, options);
    informer_->add_handlers({[this](const nlohmann::json& s) { seen(s); },
                             [this](const nlohmann::json&, const nlohmann::json& s) { seen(s); },
                             [](const nlohmann::json&) {}});
    informer_->start();
  }
  ~ServiceWatcher() { informer_->stop(); }

  std::vector<int64_t> versions() {
    std::lock_guard lock(mutex_);
    return versions_;
  }
  std::vector<std::string> violations() {
    std::lock_guard lock(mutex_);
    return violations_;
  }

 private:
  void seen(const nlohmann::json& service) {
    const std::string text = service["spec"]["selector"].value(api::kLabelVersion, "");
    if (text.empty()) return;
    const int64_t version = std::stoll(text);
    {
      std::lock_guard lock(mutex_);
      if (!versions_.empty() && versions_.back() == version) return;
      versions_.push_back(version);
    }
    // Rollbacks flip to a version that was caught up when it served; the
    // check is for versions being switched to for the first time.
    std::lock_guard lock(mutex_);
    if (std::count(versions_.begin(), versions_.end(), version) > 1) return;
    const auto list = client_.list(api::kReprocessings, ns_, {});
    for (const auto& r : list["items"]) {
      if (r.value("status", nlohmann::json::object()).value("version", int64_t{0}) != version) continue;
      for (const auto& c : r["status"].value("conditions", nlohmann::json::array())) {
        if (c.value("type", "") == "CaughtUp" && c.value("status", "") == "True") return;
      }
      violations_.push_back("Service selected v" + text + " while its Reprocessing was not CaughtUp: " +
                            r["status"].dump());
      return;
    }
    violations_.push_back("Service selected v" + text + ", which no Reprocessing built");
  }

  kube::HttpKubeClient client_;
  std::string ns_, service_;
  std::unique_ptr<kube::Informer> informer_;
  std::mutex mutex_;
  std::vector<int64_t> versions_;
  std::vector<std::string> violations_;
};

}  // namespace kappa::testing
