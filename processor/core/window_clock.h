#pragma once
// Time in a windowed view, per input partition: the watermark (the greatest
// event time taken so far in the partition, in log order: a key's events
// are all in one partition, so a replay decides exactly as the first run),
// which windows are late, and which are evicted from the state.
//
// An event is late when its window's end + allowedLateness is at or before
// the watermark as it was before the event: it is a bad record (`late`),
// never folded. A window is evicted once the watermark passes its end +
// allowedLateness + retention: its keys leave the state (the caller writes
// changelog tombstones in the same transaction). An evicted window can take
// no event (any would be late), so when eviction runs does not change any
// result, only how long a window stays served.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/aggregator.h"
#include "core/state_store.h"
#include "core/window_spec.h"

namespace kappa::processor {

class WindowClock {
 public:
  explicit WindowClock(const WindowSpec& spec) : spec_(spec) {}

  std::optional<std::int64_t> watermark(int32_t partition) const;
  // Whether an event of the window starting at `window_start` is late.
  bool is_late(int32_t partition, std::int64_t window_start) const;
  // A late event's outcome (reason `late`, with the times in the detail).
  Outcome late(int32_t partition, const PreparedEvent& event) const;
  // An event at `event_time` was taken: the watermark rises to it.
  void advance(int32_t partition, std::int64_t event_time);
  // `state_key` (of the window starting at `window_start`) entered the state.
  void opened(int32_t partition, std::int64_t window_start, std::string state_key);

  // Erases from `store` the keys of every window of `partition` past its
  // retention; `evicted` is told each one. Returns how many.
  std::size_t evict(int32_t partition, StateStore& store, const std::function<void(const std::string&)>& evicted);
  std::size_t open_keys(int32_t partition) const;

  // After a restore or an adopt: the partition's open windows from the
  // store's keys, and its watermark (nullopt: no event yet).
  void load(int32_t partition, const StateStore& store, std::optional<std::int64_t> watermark);
  void drop(int32_t partition) { partitions_.erase(partition); }
  void clear() { partitions_.clear(); }

  // The watermarks changed since the last take (for the next transaction).
  std::vector<std::pair<int32_t, std::int64_t>> take_changed();

 private:
  struct Partition {
    std::optional<std::int64_t> watermark;
    bool changed = false;
    std::map<std::int64_t, std::vector<std::string>> open;  // window start -> state keys
  };
  const WindowSpec& spec_;
  std::unordered_map<int32_t, Partition> partitions_;
};

}  // namespace kappa::processor
