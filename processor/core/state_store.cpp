#include "core/state_store.h"

#include <algorithm>
#include <stdexcept>
#include <utility>

namespace kappa::processor {
KeyState& StateStore::state_for(int32_t partition, const HashedText& key) {
  auto& keys = keys_for(partition);
  auto& entry = keys.find_or_insert(key, initial_);
  if (entry.changed_in != round_) {
    entry.changed_in = round_;
    dirty_.push_back(Dirty{partition, static_cast<std::uint32_t>(keys.position_of(entry))});
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
  const auto position = static_cast<std::uint32_t>(keys->position_of(*entry));
  const auto last = static_cast<std::uint32_t>(keys->size() - 1);
  const bool moved_dirty = position != last && keys->at(last).changed_in == round_;
  if (entry->changed_in == round_) {
    dirty_.erase(std::remove_if(dirty_.begin(), dirty_.end(),
                                [&](const Dirty& d) { return d.partition == partition && d.position == position; }),
                 dirty_.end());
  }
  keys->erase(hashed);  // the last entry moves into `position`
  if (moved_dirty) {
    for (auto& dirty : dirty_) {
      if (dirty.partition == partition && dirty.position == last) dirty.position = position;
    }
  }
}

void StateStore::forget_dirty(int32_t partition) {
  auto* keys = keys_at(partition);
  for (const auto& dirty : dirty_) {
    if (dirty.partition == partition && keys != nullptr) keys->at(dirty.position).changed_in = 0;
  }
  dirty_.erase(std::remove_if(dirty_.begin(), dirty_.end(), [&](const Dirty& d) { return d.partition == partition; }),
               dirty_.end());
}

void StateStore::for_each_dirty(
    const std::function<void(int32_t, const std::string&, const KeyState&)>& visit) const {
  constexpr std::size_t kAhead = 8;  // entries are cold by now: fetch them ahead
  const auto entry_of = [&](const Dirty& dirty) -> const Entry& { return keys_at(dirty.partition)->at(dirty.position); };
  for (std::size_t i = 0; i < dirty_.size(); ++i) {
    if (i + kAhead < dirty_.size()) {
      const auto* bytes = reinterpret_cast<const char*>(&entry_of(dirty_[i + kAhead]));
      for (std::size_t offset = 0; offset < sizeof(Entry); offset += 64) __builtin_prefetch(bytes + offset);
    }
    const auto& entry = entry_of(dirty_[i]);
    visit(dirty_[i].partition, entry.key, entry.state);
  }
}

void StateStore::clear_dirty() {
  ++round_;  // every entry's changed_in is now a past round
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

void StateStore::adopt_partition(int32_t partition, Keys keys) {
  // Adopted keys start clean, whatever round their marks came from.
  for (std::size_t i = 0; i < keys.size(); ++i) keys.at(i).changed_in = 0;
  keys_for(partition) = std::move(keys);
}

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
