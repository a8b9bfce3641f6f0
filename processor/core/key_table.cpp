#include "core/key_table.h"

#include <utility>

namespace kappa::processor {

std::size_t KeyTable::probe(const HashedText& key) const {
  const auto tag = tag_of(key.hash);
  for (std::size_t at = home_of(key.hash);; at = (at + 1) & mask_) {
    const Slot& slot = slots_[at];
    if (slot.position == 0) return at;
    if (slot.tag == tag) {
      const Entry& entry = entries_[slot.position - 1];
      if (entry.hash == key.hash && entry.key == key.text) return at;
    }
  }
}

const KeyTable::Entry* KeyTable::find(const HashedText& key) const {
  if (slots_.empty()) return nullptr;
  const Slot& slot = slots_[probe(key)];
  return slot.position == 0 ? nullptr : &entries_[slot.position - 1];
}

KeyTable::Entry* KeyTable::find(const HashedText& key) {
  return const_cast<Entry*>(std::as_const(*this).find(key));
}

KeyTable::Entry& KeyTable::find_or_insert(const HashedText& key, const KeyState& initial) {
  if (auto* entry = find(key)) return *entry;
  entries_.push_back(Entry{std::string(key.text), key.hash, initial, 0});
  if ((entries_.size()) * 2 > slots_.size()) {
    grow();  // re-indexes every entry, the new one too
  } else {
    insert_slot(key.hash, static_cast<std::uint32_t>(entries_.size()));
  }
  return entries_.back();
}

void KeyTable::put(std::string key, KeyState state) {
  find_or_insert(key, KeyState{}).state = std::move(state);
}

void KeyTable::erase(const HashedText& key) {
  if (slots_.empty()) return;
  std::size_t hole = probe(key);
  if (slots_[hole].position == 0) return;
  const auto position = slots_[hole].position;
  // The last entry moves into the erased one's place; its slot follows.
  const auto last = static_cast<std::uint32_t>(entries_.size());
  if (position != last) {
    const HashedText moved(entries_.back().key, entries_.back().hash);
    slots_[probe(moved)].position = position;
    entries_[position - 1] = std::move(entries_.back());
  }
  entries_.pop_back();
  // Backward-shift deletion: later slots of the same run move up, so that
  // every probe still finds its key before an empty slot (no tombstones).
  for (std::size_t next = (hole + 1) & mask_; slots_[next].position != 0; next = (next + 1) & mask_) {
    const auto home = home_of(entries_[slots_[next].position - 1].hash);
    // `next` may fill the hole unless its home lies cyclically in (hole, next].
    const bool stays = hole <= next ? (hole < home && home <= next) : (hole < home || home <= next);
    if (stays) continue;
    slots_[hole] = slots_[next];
    hole = next;
  }
  slots_[hole] = Slot{};
}

void KeyTable::prefetch_index(const HashedText& key) const {
  if (!slots_.empty()) __builtin_prefetch(&slots_[home_of(key.hash)]);
}

void KeyTable::prefetch_entry(const HashedText& key) const {
  if (slots_.empty()) return;
  const auto tag = tag_of(key.hash);
  for (std::size_t at = home_of(key.hash);; at = (at + 1) & mask_) {
    const Slot& slot = slots_[at];
    if (slot.position == 0) return;
    if (slot.tag == tag) {  // almost surely the key: fetch its entry, key and state
      const auto* bytes = reinterpret_cast<const char*>(&entries_[slot.position - 1]);
      for (std::size_t offset = 0; offset < sizeof(Entry); offset += 64) __builtin_prefetch(bytes + offset);
      return;
    }
  }
}

void KeyTable::insert_slot(std::size_t hash, std::uint32_t position) {
  std::size_t at = home_of(hash);
  while (slots_[at].position != 0) at = (at + 1) & mask_;
  slots_[at] = Slot{tag_of(hash), position};
}

void KeyTable::grow() {
  std::size_t capacity = slots_.empty() ? 16 : slots_.size();
  while (capacity < entries_.size() * 2) capacity *= 2;
  slots_.assign(capacity, Slot{});
  mask_ = capacity - 1;
  for (std::size_t i = 0; i < entries_.size(); ++i) insert_slot(entries_[i].hash, static_cast<std::uint32_t>(i + 1));
}

}  // namespace kappa::processor
