#include "core/window_clock.h"

#include "core/event_time.h"
#include "core/limits.h"

namespace kappa::processor {

std::optional<std::int64_t> WindowClock::watermark(int32_t partition) const {
  const auto found = partitions_.find(partition);
  return found == partitions_.end() ? std::nullopt : found->second.watermark;
}

bool WindowClock::is_late(int32_t partition, std::int64_t window_start) const {
  const auto mark = watermark(partition);
  return mark && window_start + spec_.size_ms + spec_.allowed_lateness_ms <= *mark;
}

Outcome WindowClock::late(int32_t partition, const PreparedEvent& event) const {
  Outcome outcome;
  outcome.kind = Outcome::Kind::Bad;
  outcome.reason = BadReason::Late;
  const auto end = event.window_start + spec_.size_ms;
  outcome.detail = limits::shorten(
      "event time " + event_time::format_rfc3339(event.event_time) + " of key '" +
      limits::shorten(event.outcome.key.substr(0, event.view_key_size), 200) + "' is in window [" +
      event_time::format_rfc3339(event.window_start) + ", " + event_time::format_rfc3339(end) +
      "), closed: the partition's watermark " + event_time::format_rfc3339(watermark(partition).value_or(0)) +
      " is at or past its end + allowedLateness (" + std::to_string(spec_.allowed_lateness_ms) + " ms)");
  return outcome;
}

void WindowClock::advance(int32_t partition, std::int64_t event_time) {
  auto& p = partitions_[partition];
  if (!p.watermark || event_time > *p.watermark) {
    p.watermark = event_time;
    p.changed = true;
  }
}

void WindowClock::opened(int32_t partition, std::int64_t window_start, std::string state_key) {
  partitions_[partition].open[window_start].push_back(std::move(state_key));
}

std::size_t WindowClock::evict(int32_t partition, StateStore& store,
                               const std::function<void(const std::string&)>& evicted) {
  const auto found = partitions_.find(partition);
  if (found == partitions_.end() || !found->second.watermark) return 0;
  auto& p = found->second;
  const auto horizon = spec_.size_ms + spec_.allowed_lateness_ms + spec_.retention_ms;
  std::size_t count = 0;
  // Windows in start order are in end order: stop at the first still kept.
  while (!p.open.empty() && p.open.begin()->first + horizon <= *p.watermark) {
    for (const auto& key : p.open.begin()->second) {
      store.erase(partition, key);
      evicted(key);
      ++count;
    }
    p.open.erase(p.open.begin());
  }
  return count;
}

std::size_t WindowClock::open_keys(int32_t partition) const {
  const auto found = partitions_.find(partition);
  if (found == partitions_.end()) return 0;
  std::size_t count = 0;
  for (const auto& [start, keys] : found->second.open) count += keys.size();
  return count;
}

void WindowClock::load(int32_t partition, const StateStore& store, std::optional<std::int64_t> watermark) {
  Partition p;
  p.watermark = watermark;
  if (const auto* keys = store.keys_of(partition)) {
    for (std::size_t i = 0; i < keys->size(); ++i) {
      const auto& key = keys->at(i).key;
      if (const auto split = event_time::split_window_key(key)) p.open[split->start].push_back(key);
    }
  }
  partitions_[partition] = std::move(p);
}

std::vector<std::pair<int32_t, std::int64_t>> WindowClock::take_changed() {
  std::vector<std::pair<int32_t, std::int64_t>> changed;
  for (auto& [partition, p] : partitions_) {
    if (p.changed && p.watermark) changed.emplace_back(partition, *p.watermark);
    p.changed = false;
  }
  return changed;
}

}  // namespace kappa::processor
