#include "kube/object_cache.h"

#include <stdexcept>

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

// Named index keys cannot collide with "label=value" ones: labels never
// hold a \1.
std::string named_key(const std::string& index, const std::string& value) { return "\1" + index + "\1" + value; }

ObjectPtr decode(const std::vector<std::uint8_t>& packed) {
  return std::make_shared<const json>(json::from_msgpack(packed));
}

}  // namespace

std::vector<std::string> ObjectCache::index_keys_of(const json& object) const {
  std::vector<std::string> out;
  for (const auto& [label, value] : labels_of(object).items()) {
    if (value.is_string()) out.push_back(label + "=" + value.get<std::string>());
  }
  for (const auto& [name, values_of] : named_) {
    for (const auto& value : values_of(object)) out.push_back(named_key(name, value));
  }
  return out;
}

void ObjectCache::index_locked(const std::string& key, const std::vector<std::string>& index_keys) {
  for (const auto& k : index_keys) index_[k][key] = true;
}

void ObjectCache::unindex_locked(const std::string& key, const std::vector<std::string>& index_keys) {
  for (const auto& k : index_keys) {
    const auto it = index_.find(k);
    if (it == index_.end()) continue;
    it->second.erase(key);
    if (it->second.empty()) index_.erase(it);
  }
}

std::vector<ObjectPtr> ObjectCache::decode_keys_locked(const std::map<std::string, bool>* keys,
                                                       const std::string& ns) const {
  std::vector<ObjectPtr> out;
  if (!keys) return out;
  for (const auto& [key, unused] : *keys) {
    if (ns.empty() || namespace_of_key(key) == ns) out.push_back(decode(objects_.at(key).packed));
  }
  return out;
}

void ObjectCache::add_index(const std::string& name, IndexFunc index) {
  std::lock_guard lock(mutex_);
  named_[name] = std::move(index);
  // Index what is already there (decoded once, now).
  for (auto& [key, entry] : objects_) {
    const json object = json::from_msgpack(entry.packed);
    for (const auto& value : named_[name](object)) {
      const std::string k = named_key(name, value);
      entry.index_keys.push_back(k);
      index_[k][key] = true;
    }
  }
}

std::vector<ObjectPtr> ObjectCache::by_index(const std::string& name, const std::string& value) const {
  std::lock_guard lock(mutex_);
  if (!named_.count(name)) throw std::logic_error("no cache index named " + name);
  const auto it = index_.find(named_key(name, value));
  return decode_keys_locked(it == index_.end() ? nullptr : &it->second, "");
}

ObjectPtr ObjectCache::get(const std::string& key) const {
  std::lock_guard lock(mutex_);
  const auto it = objects_.find(key);
  return it == objects_.end() ? nullptr : decode(it->second.packed);
}

std::vector<ObjectPtr> ObjectCache::list(const std::string& ns) const {
  std::lock_guard lock(mutex_);
  std::vector<ObjectPtr> out;
  if (ns.empty()) {
    for (const auto& [key, entry] : objects_) out.push_back(decode(entry.packed));
    return out;
  }
  // Keys sort by namespace first: a namespace is one range of the map.
  const std::string prefix = ns + "/";
  for (auto it = objects_.lower_bound(prefix); it != objects_.end() && it->first.compare(0, prefix.size(), prefix) == 0;
       ++it) {
    out.push_back(decode(it->second.packed));
  }
  return out;
}

std::vector<ObjectPtr> ObjectCache::by_label(const std::string& label, const std::string& value,
                                             const std::string& ns) const {
  std::lock_guard lock(mutex_);
  const auto it = index_.find(label + "=" + value);
  return decode_keys_locked(it == index_.end() ? nullptr : &it->second, ns);
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

std::size_t ObjectCache::packed_bytes() const {
  std::lock_guard lock(mutex_);
  std::size_t total = 0;
  for (const auto& [key, entry] : objects_) total += entry.packed.size();
  return total;
}

ObjectPtr ObjectCache::upsert(const json& object) {
  const std::string key = object_key(object);
  Entry entry{json::to_msgpack(object), {}};
  entry.packed.shrink_to_fit();
  std::lock_guard lock(mutex_);
  entry.index_keys = index_keys_of(object);
  ObjectPtr previous;
  if (const auto it = objects_.find(key); it != objects_.end()) {
    previous = decode(it->second.packed);
    unindex_locked(key, it->second.index_keys);
  }
  index_locked(key, entry.index_keys);
  objects_[key] = std::move(entry);
  return previous;
}

ObjectPtr ObjectCache::erase(const std::string& key) {
  std::lock_guard lock(mutex_);
  const auto it = objects_.find(key);
  if (it == objects_.end()) return nullptr;
  ObjectPtr previous = decode(it->second.packed);
  unindex_locked(key, it->second.index_keys);
  objects_.erase(it);
  return previous;
}

}  // namespace kappa::kube
