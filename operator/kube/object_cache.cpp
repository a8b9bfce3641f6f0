#include "kube/object_cache.h"

namespace kappa::kube {

std::string object_key(const json& object) {
  const auto& metadata = object.at("metadata");
  const std::string ns = metadata.value("namespace", "");
  const std::string name = metadata.value("name", "");
  return ns.empty() ? name : ns + "/" + name;
}

namespace {
std::string namespace_of_key(const std::string& key) {
  const auto slash = key.find('/');
  return slash == std::string::npos ? std::string() : key.substr(0, slash);
}
}  // namespace

std::optional<json> ObjectCache::get(const std::string& key) const {
  std::lock_guard lock(mutex_);
  const auto it = objects_.find(key);
  if (it == objects_.end()) return std::nullopt;
  return it->second;
}

std::vector<json> ObjectCache::list(const std::string& ns) const {
  std::lock_guard lock(mutex_);
  std::vector<json> out;
  for (const auto& [key, object] : objects_) {
    if (ns.empty() || namespace_of_key(key) == ns) out.push_back(object);
  }
  return out;
}

std::vector<json> ObjectCache::by_label(const std::string& label, const std::string& value,
                                        const std::string& ns) const {
  std::lock_guard lock(mutex_);
  std::vector<json> out;
  const auto it = label_index_.find(label + "=" + value);
  if (it == label_index_.end()) return out;
  for (const auto& [key, unused] : it->second) {
    if (ns.empty() || namespace_of_key(key) == ns) out.push_back(objects_.at(key));
  }
  return out;
}

std::vector<std::string> ObjectCache::keys() const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> out;
  for (const auto& [key, unused] : objects_) out.push_back(key);
  return out;
}

std::size_t ObjectCache::size() const {
  std::lock_guard lock(mutex_);
  return objects_.size();
}

void ObjectCache::index_locked(const std::string& key, const json& object) {
  const auto labels = object["metadata"].value("labels", json::object());
  for (const auto& [label, value] : labels.items()) {
    if (value.is_string()) label_index_[label + "=" + value.get<std::string>()][key] = true;
  }
}

void ObjectCache::unindex_locked(const std::string& key, const json& object) {
  const auto labels = object["metadata"].value("labels", json::object());
  for (const auto& [label, value] : labels.items()) {
    if (!value.is_string()) continue;
    const auto it = label_index_.find(label + "=" + value.get<std::string>());
    if (it == label_index_.end()) continue;
    it->second.erase(key);
    if (it->second.empty()) label_index_.erase(it);
  }
}

std::optional<json> ObjectCache::upsert(const json& object) {
  const std::string key = object_key(object);
  std::lock_guard lock(mutex_);
  std::optional<json> previous;
  if (const auto it = objects_.find(key); it != objects_.end()) {
    previous = it->second;
    unindex_locked(key, it->second);
  }
  objects_[key] = object;
  index_locked(key, object);
  return previous;
}

std::optional<json> ObjectCache::erase(const std::string& key) {
  std::lock_guard lock(mutex_);
  const auto it = objects_.find(key);
  if (it == objects_.end()) return std::nullopt;
  json previous = std::move(it->second);
  unindex_locked(key, previous);
  objects_.erase(it);
  return previous;
}

}  // namespace kappa::kube
