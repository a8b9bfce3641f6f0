#pragma once
// One partition's keys and their states, laid out so that a lookup can be
// fetched ahead in two steps that each know their address: an index of
// 8-byte slots (open addressing, linear probing, at most half full: a probe
// nearly always ends in the cache line of its home slot), and the entries in
// a vector the slots point into. A Swiss table's prefetch cannot do this: it
// knows the group a key probes, not which of its sixteen slots (192 bytes
// each here) holds it, and the entry's key must be read to find out.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/aggregates.h"
#include "core/hashed_text.h"
#include "core/huge_page_allocator.h"

namespace kappa::processor {

class KeyTable {
 public:
  struct Entry {
    std::string key;
    std::size_t hash = 0;  // hash_text(key)
    KeyState state;
    // The StateStore's commit round in which the state last changed (0:
    // none); it is dirty while that round is open.
    std::uint64_t changed_in = 0;
  };

  std::size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  const std::vector<Entry, HugePageAllocator<Entry>>& entries() const { return entries_; }
  // Entries by position (0 .. size()-1): a position is stable until an
  // erase, which moves the last entry into the erased one's place.
  Entry& at(std::size_t position) { return entries_[position]; }
  const Entry& at(std::size_t position) const { return entries_[position]; }
  std::size_t position_of(const Entry& entry) const { return static_cast<std::size_t>(&entry - entries_.data()); }

  // The entry of `key`, or nullptr. Pointers and references to entries are
  // valid until the next insert or erase.
  const Entry* find(const HashedText& key) const;
  Entry* find(const HashedText& key);
  // The entry of `key`, inserted with state `initial` when absent.
  Entry& find_or_insert(const HashedText& key, const KeyState& initial);
  // Sets the state of `key` (inserted when absent); `changed_in` is kept.
  void put(std::string key, KeyState state);
  void erase(const HashedText& key);

  // The two prefetch steps: first the index line `key` probes; later (once
  // that line has arrived) the entry the index points to.
  void prefetch_index(const HashedText& key) const;
  void prefetch_entry(const HashedText& key) const;

 private:
  struct Slot {
    std::uint32_t tag = 0;       // the hash's high half
    std::uint32_t position = 0;  // 1 + index into entries_; 0: empty
  };
  static std::uint32_t tag_of(std::size_t hash) { return static_cast<std::uint32_t>(hash >> 32); }
  std::size_t home_of(std::size_t hash) const { return hash & mask_; }
  // The slot holding `key`, or the empty slot that ends its probe.
  std::size_t probe(const HashedText& key) const;
  void insert_slot(std::size_t hash, std::uint32_t position);
  void grow();

  std::vector<Slot, HugePageAllocator<Slot>> slots_;  // a power of two in size, or empty
  std::size_t mask_ = 0;
  std::vector<Entry, HugePageAllocator<Entry>> entries_;
};

}  // namespace kappa::processor
