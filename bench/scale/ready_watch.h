#pragma once
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "kube/informer.h"
#include "kube/rest_client.h"

namespace kappa::bench {

// How many Pipelines with a label are Ready for their current generation,
// kept up to date by a watch: the driver asks often while a fleet of a
// thousand converges, and listing them all each time would load the API
// server it measures (and cost the driver a core parsing the lists).
class ReadyWatch {
 public:
  ReadyWatch(kube::RestClient& rest, const std::string& label_selector);
  ~ReadyWatch();
  ReadyWatch(const ReadyWatch&) = delete;
  ReadyWatch& operator=(const ReadyWatch&) = delete;

  // Lists and watches; throws when the first list takes longer than `limit`.
  void start(std::chrono::seconds limit);
  int ready() const;

  // Ready=True with observedGeneration at the object's generation.
  static bool ready_for_generation(const nlohmann::json& pipeline);

 private:
  void seen(const nlohmann::json& pipeline);
  void gone(const nlohmann::json& pipeline);

  mutable std::mutex mutex_;
  std::map<std::string, bool> ready_;  // ns/name -> Ready for its generation
  std::unique_ptr<kube::Informer> informer_;
};

}  // namespace kappa::bench
