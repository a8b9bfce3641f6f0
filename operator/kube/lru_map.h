#pragma once
#include <cstddef>
#include <list>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

namespace kappa::kube {

// A map of at most `capacity` entries that evicts the least recently used
// one (client-go bounds its event caches the same way). find() and insert()
// count as uses; peek() does not.
template <typename Value>
class LruMap {
 public:
  using Entry = std::pair<std::string, Value>;

  explicit LruMap(std::size_t capacity) : capacity_(capacity < 1 ? 1 : capacity) {}
  LruMap(const LruMap&) = delete;
  LruMap& operator=(const LruMap&) = delete;

  Value* find(const std::string& key) {
    const auto it = index_.find(key);
    if (it == index_.end()) return nullptr;
    entries_.splice(entries_.begin(), entries_, it->second);
    return &it->second->second;
  }

  Value* peek(const std::string& key) {
    const auto it = index_.find(key);
    return it == index_.end() ? nullptr : &it->second->second;
  }

  // Inserts or replaces `key` as the most recently used entry; returns the
  // entry evicted to make room, if any.
  std::optional<Entry> insert(const std::string& key, Value value) {
    if (Value* existing = find(key)) {
      *existing = std::move(value);
      return std::nullopt;
    }
    entries_.emplace_front(key, std::move(value));
    index_.emplace(entries_.front().first, entries_.begin());
    if (entries_.size() <= capacity_) return std::nullopt;
    index_.erase(entries_.back().first);  // before the key it views moves
    Entry evicted = std::move(entries_.back());
    entries_.pop_back();
    return evicted;
  }

  void erase(const std::string& key) {
    const auto it = index_.find(key);
    if (it == index_.end()) return;
    const auto entry = it->second;
    index_.erase(it);
    entries_.erase(entry);
  }

  template <typename Visit>
  void for_each(Visit&& visit) {
    for (auto& [key, value] : entries_) visit(key, value);
  }

  std::size_t size() const { return entries_.size(); }

 private:
  std::size_t capacity_;
  std::list<Entry> entries_;  // most recently used first
  // Keys view the list nodes' strings, which never move.
  std::unordered_map<std::string_view, typename std::list<Entry>::iterator> index_;
};

}  // namespace kappa::kube
