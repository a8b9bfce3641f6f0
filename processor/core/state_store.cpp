#include "core/state_store.h"

#include <algorithm>
#include <utility>

namespace kappa::processor {
namespace {

// Debian's Abseil has its own string_view type (not std's).
absl::string_view absl_view(std::string_view text) { return {text.data(), text.size()}; }

}  // namespace

KeyState& StateStore::state_for(int32_t partition, std::string_view key) {
  auto& keys = partitions_[partition];
  auto it = keys.find(absl_view(key));
  if (it == keys.end()) it = keys.emplace(std::string(key), Entry{initial_, false}).first;
  if (!it->second.dirty) {
    it->second.dirty = true;
    dirty_.push_back(Dirty{partition, it->first});
  }
  return it->second.state;
}

void StateStore::prefetch_slot(int32_t partition, std::string_view key) const {
  const auto keys = partitions_.find(partition);
  if (keys != partitions_.end()) keys->second.prefetch(absl_view(key));
}

void StateStore::prefetch_state(int32_t partition, std::string_view key) const {
  if (const auto* state = peek(partition, key)) {
    const auto* bytes = reinterpret_cast<const char*>(state);
    for (std::size_t at = 0; at < sizeof(KeyState); at += 64) __builtin_prefetch(bytes + at);
  }
}

const KeyState* StateStore::peek(int32_t partition, std::string_view key) const {
  const auto* entry = find(partition, key);
  return entry ? &entry->state : nullptr;
}

const StateStore::Entry* StateStore::find(int32_t partition, std::string_view key) const {
  const auto keys = partitions_.find(partition);
  if (keys == partitions_.end()) return nullptr;
  const auto entry = keys->second.find(absl_view(key));
  return entry == keys->second.end() ? nullptr : &entry->second;
}

StateStore::Entry* StateStore::find(int32_t partition, std::string_view key) {
  return const_cast<Entry*>(std::as_const(*this).find(partition, key));
}

void StateStore::put(int32_t partition, std::string key, KeyState state) {
  auto& entry = partitions_[partition][std::move(key)];
  entry.state = std::move(state);
}

void StateStore::erase(int32_t partition, const std::string& key) {
  const auto it = partitions_.find(partition);
  if (it == partitions_.end()) return;
  const auto entry = it->second.find(key);
  if (entry == it->second.end()) return;
  if (entry->second.dirty) {
    dirty_.erase(std::remove_if(dirty_.begin(), dirty_.end(),
                                [&](const Dirty& d) { return d.partition == partition && d.key == key; }),
                 dirty_.end());
  }
  it->second.erase(entry);
}

void StateStore::forget_dirty(int32_t partition) {
  for (const auto& dirty : dirty_) {
    if (dirty.partition != partition) continue;
    if (auto* entry = find(dirty.partition, dirty.key)) entry->dirty = false;
  }
  dirty_.erase(std::remove_if(dirty_.begin(), dirty_.end(), [&](const Dirty& d) { return d.partition == partition; }),
               dirty_.end());
}

void StateStore::for_each_dirty(
    const std::function<void(int32_t, const std::string&, const KeyState&)>& visit) const {
  for (const auto& dirty : dirty_) {
    const auto& keys = partitions_.at(dirty.partition);
    visit(dirty.partition, dirty.key, keys.at(dirty.key).state);
  }
}

void StateStore::clear_dirty() {
  for (const auto& dirty : dirty_) {
    if (auto* entry = find(dirty.partition, dirty.key)) entry->dirty = false;
  }
  dirty_.clear();
}

StateStore::Keys StateStore::take_partition(int32_t partition) {
  Keys keys;
  forget_dirty(partition);
  const auto it = partitions_.find(partition);
  if (it != partitions_.end()) {
    keys = std::move(it->second);
    partitions_.erase(it);
  }
  return keys;
}

void StateStore::adopt_partition(int32_t partition, Keys keys) { partitions_[partition] = std::move(keys); }

void StateStore::drop_partition(int32_t partition) {
  forget_dirty(partition);
  partitions_.erase(partition);
}

void StateStore::drop_all() {
  partitions_.clear();
  dirty_.clear();
}

std::vector<int32_t> StateStore::partitions() const {
  std::vector<int32_t> out;
  for (const auto& [partition, keys] : partitions_) out.push_back(partition);
  std::sort(out.begin(), out.end());
  return out;
}

std::size_t StateStore::key_count() const {
  std::size_t count = 0;
  for (const auto& [partition, keys] : partitions_) count += keys.size();
  return count;
}

const StateStore::Keys* StateStore::keys_of(int32_t partition) const {
  const auto it = partitions_.find(partition);
  return it == partitions_.end() ? nullptr : &it->second;
}

}  // namespace kappa::processor
