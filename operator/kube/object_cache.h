#pragma once
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace kappa::kube {

using nlohmann::json;

// One cached object. Immutable once in the cache: readers share it, and a
// newer version of the object replaces the pointer, never the JSON it
// points to, so a reader's copy never changes under it.
using ObjectPtr = std::shared_ptr<const json>;

// "namespace/name", or "name" for cluster-scoped objects: the key work
// queues and caches use.
std::string object_key(const json& object);

// The informer's local copy of a resource: thread-safe, keyed by
// namespace/name, with an index by label so "the Deployments of pipeline X"
// is a lookup, not a scan of every object. Reads hand out shared pointers
// to the cached objects (a reconcile that lists a namespace copies no JSON).
class ObjectCache {
 public:
  // The object, or null.
  ObjectPtr get(const std::string& key) const;
  std::vector<ObjectPtr> list(const std::string& ns = {}) const;
  // Objects (in `ns`, or all namespaces when empty) whose label `label` is `value`.
  std::vector<ObjectPtr> by_label(const std::string& label, const std::string& value,
                                  const std::string& ns = {}) const;
  std::vector<std::string> keys() const;
  std::size_t size() const;

  // Writers are the informer; they return the object that was there (null
  // when none).
  ObjectPtr upsert(ObjectPtr object);
  ObjectPtr upsert(json object) { return upsert(std::make_shared<const json>(std::move(object))); }
  ObjectPtr erase(const std::string& key);

 private:
  void index_locked(const std::string& key, const json& object);
  void unindex_locked(const std::string& key, const json& object);

  mutable std::mutex mutex_;
  std::map<std::string, ObjectPtr> objects_;
  // "label=value" -> keys
  std::map<std::string, std::map<std::string, bool>> label_index_;
};

}  // namespace kappa::kube
