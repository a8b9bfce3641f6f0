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

const json& labels_of(const json& object) {
  static const json none = json::object();
  const auto metadata = object.find("metadata");
  if (metadata == object.end() || !metadata->is_object()) return none;
  const auto labels = metadata->find("labels");
  return labels != metadata->end() && labels->is_object() ? *labels : none;
}
}  // namespace

ObjectPtr ObjectCache::get(const std::string& key) const {
  std::lock_guard lock(mutex_);
  const auto it = objects_.find(key);
  return it == objects_.end() ? nullptr : it->second;
}

std::vector<ObjectPtr> ObjectCache::list(const std::string& ns) const {
  std::lock_guard lock(mutex_);
  std::vector<ObjectPtr> out;
  for (const auto& [key, object] : objects_) {
    if (ns.empty() || namespace_of_key(key) == ns) out.push_back(object);
  }
  return out;
}

std::vector<ObjectPtr> ObjectCache::by_label(const std::string& label, const std::string& value,
                                             const std::string& ns) const {
  std::lock_guard lock(mutex_);
  std::vector<ObjectPtr> out;
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
  for (const auto& [label, value] : labels_of(object).items()) {
    if (value.is_string()) label_index_[label + "=" + value.get<std::string>()][key] = true;
  }
}

void ObjectCache::unindex_locked(const std::string& key, const json& object) {
  for (const auto& [label, value] : labels_of(object).items()) {
    if (!value.is_string()) continue;
    const auto it = label_index_.find(label + "=" + value.get<std::string>());
    if (it == label_index_.end()) continue;
    it->second.erase(key);
    if (it->second.empty()) label_index_.erase(it);
  }
}

ObjectPtr ObjectCache::upsert(ObjectPtr object) {
  const std::string key = object_key(*object);
  std::lock_guard lock(mutex_);
  ObjectPtr previous;
  if (const auto it = objects_.find(key); it != objects_.end()) {
    previous = it->second;
    unindex_locked(key, *previous);
  }
  index_locked(key, *object);
  objects_[key] = std::move(object);
  return previous;
}

ObjectPtr ObjectCache::erase(const std::string& key) {
  std::lock_guard lock(mutex_);
  const auto it = objects_.find(key);
  if (it == objects_.end()) return nullptr;
  ObjectPtr previous = std::move(it->second);
  objects_.erase(it);
  unindex_locked(key, *previous);
  return previous;
}

}  // namespace kappa::kube
