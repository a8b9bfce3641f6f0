#include "core/state_store.h"

#include <algorithm>
#include <stdexcept>
#include <utility>

namespace kappa::processor {
KeyState& StateStore::state_for(int32_t partition, const HashedText& key) {
  auto& entry = keys_for(partition).find_or_insert(key, initial_);
  if (!entry.dirty) {
    entry.dirty = true;
    dirty_.push_back(Dirty{partition, entry.key});
  }
  return entry.state;
}

void StateStore::prefetch_slot(int32_t partition, const HashedText& key) const {
  if (const auto* keys = keys_at(partition)) keys->prefetch_index(key);
}

void StateStore::prefetch_state(int32_t partition, const HashedText& key) const {
  if (const auto* keys = keys_at(partition)) keys->prefetch_entry(key);
}

const KeyState* StateStore::peek(int32_t partition, const HashedText& key) const {
  const auto* entry = find(partition, key);
  return entry ? &entry->state : nullptr;
}

const StateStore::Entry* StateStore::find(int32_t partition, const HashedText& key) const {
  const auto* keys = keys_at(partition);
  return keys == nullptr ? nullptr : keys->find(key);
}

StateStore::Entry* StateStore::find(int32_t partition, const HashedText& key) {
  return const_cast<Entry*>(std::as_const(*this).find(partition, key));
}

StateStore::Keys& StateStore::keys_for(int32_t partition) {
  if (auto* keys = keys_at(partition)) return *keys;
  auto& keys = partitions_[partition];
  const auto at = static_cast<std::size_t>(partition);
  if (partition >= 0) {
    if (by_number_.size() <= at) by_number_.resize(at + 1, nullptr);
    by_number_[at] = &keys;
  }
  return keys;
}

void StateStore::forget_partition(int32_t partition) {
  partitions_.erase(partition);
  const auto at = static_cast<std::size_t>(partition);
  if (partition >= 0 && at < by_number_.size()) by_number_[at] = nullptr;
}

void StateStore::put(int32_t partition, std::string key, KeyState state) {
  keys_for(partition).put(std::move(key), std::move(state));
}

void StateStore::erase(int32_t partition, const std::string& key) {
  auto* keys = keys_at(partition);
  if (keys == nullptr) return;
  const HashedText hashed(key);  // one hash for the find and the erase
  const auto* entry = keys->find(hashed);
  if (entry == nullptr) return;
  if (entry->dirty) {
    dirty_.erase(std::remove_if(dirty_.begin(), dirty_.end(),
                                [&](const Dirty& d) { return d.partition == partition && d.key == key; }),
                 dirty_.end());
  }
  keys->erase(hashed);
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
    const auto* entry = find(dirty.partition, dirty.key);
    if (entry == nullptr) throw std::logic_error("StateStore: a dirty key has no entry");
    visit(dirty.partition, dirty.key, entry->state);
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
  if (auto* held = keys_at(partition)) {
    keys = std::move(*held);
    forget_partition(partition);
  }
  return keys;
}

void StateStore::adopt_partition(int32_t partition, Keys keys) { keys_for(partition) = std::move(keys); }

void StateStore::drop_partition(int32_t partition) {
  forget_dirty(partition);
  forget_partition(partition);
}

void StateStore::drop_all() {
  partitions_.clear();
  by_number_.clear();
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
  return keys_at(partition);
}

}  // namespace kappa::processor
