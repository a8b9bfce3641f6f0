#pragma once
// The processor's working state: per input partition, the state of every key
// seen in it, plus which keys changed since the last commit (the "dirty"
// keys whose output rows and changelog records the next transaction writes).
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/aggregates.h"
#include "core/hashed_text.h"
#include "core/key_table.h"

namespace kappa::processor {

class StateStore {
 public:
  // One partition's keys (see key_table.h for the layout).
  using Keys = KeyTable;
  using Entry = KeyTable::Entry;

  explicit StateStore(KeyState initial) : initial_(std::move(initial)) {}

  // The state of `key` in `partition`, created from the initial state when
  // absent; the key is marked dirty.
  KeyState& state_for(int32_t partition, const HashedText& key);

  // Hints that `key` of `partition` is wanted soon (the caller knows the
  // keys of records a few ahead): the memory a lookup will touch is fetched
  // in the background. prefetch_slot first (the index line the key
  // probes), then, once that has arrived, prefetch_state (the entry the
  // index points to: key and state). Changes nothing.
  void prefetch_slot(int32_t partition, const HashedText& key) const;
  void prefetch_state(int32_t partition, const HashedText& key) const;
  // The state of `key`, or nullptr; neither creates nor marks it dirty.
  const KeyState* peek(int32_t partition, const HashedText& key) const;

  // Restore: set or erase a key without marking it dirty.
  void put(int32_t partition, std::string key, KeyState state);
  void erase(int32_t partition, const std::string& key);

  // Visits each dirty key once, in the order they first changed.
  void for_each_dirty(const std::function<void(int32_t, const std::string&, const KeyState&)>& visit) const;
  std::size_t dirty_count() const { return dirty_.size(); }
  void clear_dirty();

  // Partition ownership follows the consumer group's assignment.
  bool has_partition(int32_t partition) const { return partitions_.count(partition) != 0; }
  void add_partition(int32_t partition) { keys_for(partition); }
  Keys take_partition(int32_t partition);
  void adopt_partition(int32_t partition, Keys keys);
  void drop_partition(int32_t partition);
  void drop_all();
  std::vector<int32_t> partitions() const;

  std::size_t key_count() const;
  const Keys* keys_of(int32_t partition) const;

 private:
  KeyState initial_;
  std::unordered_map<int32_t, Keys> partitions_;
  // partitions_ by partition number (nullptr: not held), for the per-event
  // lookups; the map's nodes do not move, so the pointers stay valid.
  std::vector<Keys*> by_number_;
  Keys* keys_at(int32_t partition) const {
    const auto at = static_cast<std::size_t>(partition);
    return partition >= 0 && at < by_number_.size() ? by_number_[at] : nullptr;
  }
  Keys& keys_for(int32_t partition);  // created when absent
  void forget_partition(int32_t partition);  // erases it from partitions_ and by_number_
  // Dirty keys by entry position (stable but for an erase, which fixes
  // them): a commit reads each entry without a lookup. An entry is dirty
  // while its changed_in is the open round_; a commit closes the round
  // (clear_dirty touches no entry).
  struct Dirty {
    int32_t partition;
    std::uint32_t position;
  };
  // The entry of `key` in `partition`, or nullptr: the one lookup the
  // others (peek, dirty bookkeeping) are written with.
  const Entry* find(int32_t partition, const HashedText& key) const;
  Entry* find(int32_t partition, const HashedText& key);
  void forget_dirty(int32_t partition);

  std::vector<Dirty> dirty_;
  std::uint64_t round_ = 1;
};

}  // namespace kappa::processor
