#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace kappa::kube {

using nlohmann::json;

// One object as read from a cache: the reader's own immutable snapshot.
// A later update of the cached object never changes it.
using ObjectPtr = std::shared_ptr<const json>;

// "namespace/name", or "name" for cluster-scoped objects: the key work
// queues and caches use.
std::string object_key(const json& object);

// The informer's local copy of a resource: thread-safe, keyed by
// namespace/name, with an index by label so "the Deployments of pipeline X"
// is a lookup, not a scan of every object, and named indexes for anything
// else a controller looks objects up by (client-go's Indexers).
//
// Objects are held packed (MessagePack) and decoded when read: a parsed
// nlohmann::json costs several times its text in small allocations, and at
// a thousand Pipelines the caches would be most of the operator's memory.
// A reconcile reads a handful of objects, so decoding them costs little;
// listing a whole namespace is what the indexes exist to avoid.
class ObjectCache {
 public:
  // The index values of one object (none: not in the index).
  using IndexFunc = std::function<std::vector<std::string>(const json&)>;

  // Registers an index; objects already cached are indexed at once.
  void add_index(const std::string& name, IndexFunc index);
  // Objects whose index `name` holds `value`. Throws std::logic_error for
  // an index nobody registered (a wiring mistake, not an empty answer).
  std::vector<ObjectPtr> by_index(const std::string& name, const std::string& value) const;

  // The object, or null.
  ObjectPtr get(const std::string& key) const;
  std::vector<ObjectPtr> list(const std::string& ns = {}) const;
  // Objects (in `ns`, or all namespaces when empty) whose label `label` is `value`.
  std::vector<ObjectPtr> by_label(const std::string& label, const std::string& value,
                                  const std::string& ns = {}) const;
  std::vector<std::string> keys() const;
  std::size_t size() const;
  // Bytes held by the packed objects (not the indexes), for tests and sizing.
  std::size_t packed_bytes() const;

  // Writers are the informer; they return the object that was there (null
  // when none).
  ObjectPtr upsert(const json& object);
  ObjectPtr erase(const std::string& key);

 private:
  struct Entry {
    std::vector<std::uint8_t> packed;
    std::vector<std::string> index_keys;  // "label=value", and "\1name\1value" of named indexes
  };
  std::vector<std::string> index_keys_of(const json& object) const;
  void index_locked(const std::string& key, const std::vector<std::string>& index_keys);
  void unindex_locked(const std::string& key, const std::vector<std::string>& index_keys);
  std::vector<ObjectPtr> decode_keys_locked(const std::map<std::string, bool>* keys, const std::string& ns) const;

  mutable std::mutex mutex_;
  std::map<std::string, Entry> objects_;
  // index key -> object keys
  std::map<std::string, std::map<std::string, bool>> index_;
  std::map<std::string, IndexFunc> named_;
};

}  // namespace kappa::kube
