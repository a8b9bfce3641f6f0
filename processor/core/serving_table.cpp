#include "core/serving_table.h"

#include <mutex>

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

std::size_t ServingTable::size() const {
  std::shared_lock lock(mutex_);
  return rows_.size();
}

}  // namespace kappa::processor
