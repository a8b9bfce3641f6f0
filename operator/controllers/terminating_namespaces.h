#pragma once
#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "kappa/common/clock.h"

namespace kappa::controllers {

// Namespaces whose deletion refused one of our creates (403,
// NamespaceTerminating). While a namespace is deleted, every object in it
// loses its children one kind at a time and each reconcile would try to
// make them again, to be refused again: at 1,000 Pipelines that was four
// refused creates per Pipeline. For `hold` after a refusal, reconciles of
// objects in that namespace that are not themselves being deleted skip
// their pass and come back when the hold ends (the namespace may have been
// made anew by then); deleting objects still run their finalizers.
class TerminatingNamespaces {
 public:
  explicit TerminatingNamespaces(Clock::duration hold = std::chrono::seconds(30)) : hold_(hold) {}

  void refused(const std::string& ns, Clock::time_point now);
  // How long a pass of `object` should wait, or nullopt when it should run
  // (always, for an object being deleted).
  std::optional<Clock::duration> hold(const nlohmann::json& object, Clock::time_point now);

 private:
  Clock::duration hold_;
  std::mutex mutex_;
  std::map<std::string, Clock::time_point> until_;
};

}  // namespace kappa::controllers
