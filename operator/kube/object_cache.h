#pragma once
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace kappa::kube {

using nlohmann::json;

// "namespace/name", or "name" for cluster-scoped objects: the key work
// queues and caches use.
std::string object_key(const json& object);

// The informer's local copy of a resource: thread-safe, keyed by
// namespace/name, with an index by label so "the Deployments of pipeline X"
// is a lookup, not a scan of every object.
class ObjectCache {
 public:
  std::optional<json> get(const std::string& key) const;
  std::vector<json> list(const std::string& ns = {}) const;
  // Objects (in `ns`, or all namespaces when empty) whose label `label` is `value`.
  std::vector<json> by_label(const std::string& label, const std::string& value,
                             const std::string& ns = {}) const;
  std::vector<std::string> keys() const;
  std::size_t size() const;

  // Writers are the informer; they return the object that was there.
  std::optional<json> upsert(const json& object);
  std::optional<json> erase(const std::string& key);

 private:
  void index_locked(const std::string& key, const json& object);
  void unindex_locked(const std::string& key, const json& object);

  mutable std::mutex mutex_;
  std::map<std::string, json> objects_;
  // "label=value" -> keys
  std::map<std::string, std::map<std::string, bool>> label_index_;
};

}  // namespace kappa::kube
