#include "core/serving_table.h"

#include <algorithm>
#include <mutex>

#include "core/event_time.h"

namespace kappa::processor {

void ServingTable::upsert(const std::string& key, std::string row) {
  std::unique_lock lock(mutex_);
  rows_.insert_or_assign(key, std::move(row));
}

void ServingTable::erase(const std::string& key) {
  std::unique_lock lock(mutex_);
  rows_.erase(key);
}

std::optional<std::string> ServingTable::get(const std::string& key) const {
  std::shared_lock lock(mutex_);
  const auto it = rows_.find(key);
  if (it == rows_.end()) return std::nullopt;
  return it->second;
}

ServingTable::Page ServingTable::list(const std::string& after, std::size_t limit) const {
  std::shared_lock lock(mutex_);
  Page page;
  auto it = after.empty() ? rows_.begin() : rows_.upper_bound(after);
  for (; it != rows_.end() && page.rows.size() < limit; ++it) page.rows.emplace_back(it->first, it->second);
  if (it != rows_.end() && !page.rows.empty()) page.next_after = page.rows.back().first;
  return page;
}

std::vector<std::pair<std::int64_t, std::string>> ServingTable::windows(const std::string& key) const {
  const std::string prefix = key + '@';
  std::vector<std::pair<std::int64_t, std::string>> out;
  std::shared_lock lock(mutex_);
  for (auto it = rows_.lower_bound(prefix); it != rows_.end() && it->first.starts_with(prefix); ++it) {
    const auto split = event_time::split_window_key(it->first);
    // "a@b@5" is key "a@b"'s, not key "a"'s
    if (split && split->key.size() == key.size()) out.emplace_back(split->start, it->second);
  }
  lock.unlock();
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  return out;
}

std::size_t ServingTable::size() const {
  std::shared_lock lock(mutex_);
  return rows_.size();
}

}  // namespace kappa::processor
