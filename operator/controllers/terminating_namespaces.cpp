#include "controllers/terminating_namespaces.h"

#include "controllers/status_patch.h"

namespace kappa::controllers {

void TerminatingNamespaces::refused(const std::string& ns, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  until_[ns] = now + hold_;
}

std::optional<Clock::duration> TerminatingNamespaces::hold(const nlohmann::json& object, Clock::time_point now) {
  if (is_deleting(object)) return std::nullopt;
  const std::string ns = object["metadata"].value("namespace", "");
  std::lock_guard lock(mutex_);
  const auto it = until_.find(ns);
  if (it == until_.end()) return std::nullopt;
  if (it->second <= now) {
    until_.erase(it);  // look again: the namespace may be gone, or new
    return std::nullopt;
  }
  return it->second - now;
}

}  // namespace kappa::controllers
