#pragma once
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "kube/informer.h"
#include "kube/resource.h"
#include "kube/rest_client.h"

namespace kappa::bench {

// When each object of a resource that belongs to a Pipeline (label
// kappa.dev/pipeline) was first seen, from a watch. A change's latency is
// then the time from the change to the watch event of the object it made:
// no polling of the API server, whose lists of a thousand objects would
// both load it and add their own time to what is measured.
class Arrivals {
 public:
  using Clock = std::chrono::steady_clock;

  Arrivals(kube::RestClient& rest, kube::Resource resource);
  ~Arrivals();
  Arrivals(const Arrivals&) = delete;
  Arrivals& operator=(const Arrivals&) = delete;

  // Lists and watches; throws when the first list takes longer than `limit`.
  void start(std::chrono::seconds limit);
  // The first-seen time of an object of Pipeline `ns`/`pipeline` first seen
  // after `since`; throws when none arrives within `limit`.
  Clock::time_point wait_for_new(const std::string& ns, const std::string& pipeline, Clock::time_point since,
                                 std::chrono::seconds limit);

 private:
  void seen(const nlohmann::json& object);

  std::mutex mutex_;
  std::condition_variable arrived_;
  // ns/pipeline -> object name -> when it was first seen
  std::map<std::string, std::map<std::string, Clock::time_point>> first_seen_;
  std::unique_ptr<kube::Informer> informer_;
};

}  // namespace kappa::bench
