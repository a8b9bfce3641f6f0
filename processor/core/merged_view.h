#pragma once
// What a Lambda speed layer serves: per key, merge(batch state, speed
// state) (core/state_merge.h), rendered into the ServingTable the HTTP API
// reads. Fed from two state changelogs: the batch run's (every event before
// the generation's snapshot; final before this replica starts) and this
// speed layer's own (every event from the snapshot on). Each record
// recomputes its key's row, so the table always holds merged rows only.
// Called from two reader threads.
#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/aggregates.h"
#include "core/serving_table.h"
#include "core/view_definition.h"

namespace kappa::processor {

class MergedView {
 public:
  enum class Layer { Batch, Speed };

  MergedView(const ViewDefinition& view, ServingTable& table) : view_(view), table_(table) {}

  // A changelog record of `layer` for `key`: its state as encode_state
  // writes it. Throws std::invalid_argument (from decode_state) when the
  // bytes are not a state of this view; nothing changes then.
  void apply(Layer layer, const std::string& key, std::string_view state);
  std::size_t keys() const;

 private:
  const ViewDefinition& view_;
  ServingTable& table_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, KeyState> batch_;
  std::unordered_map<std::string, KeyState> speed_;
};

}  // namespace kappa::processor
