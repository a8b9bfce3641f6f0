#include "core/merged_view.h"

#include "core/state_codec.h"
#include "core/state_merge.h"

namespace kappa::processor {

void MergedView::apply(Layer layer, const std::string& key, std::string_view state) {
  KeyState decoded = decode_state(view_, state);
  std::lock_guard lock(mutex_);
  (layer == Layer::Batch ? batch_ : speed_).insert_or_assign(key, std::move(decoded));
  // A key one layer has not seen is the empty state there (the merge's
  // identity): its row is the other layer's state as it stands.
  const auto batch = batch_.find(key);
  const auto speed = speed_.find(key);
  if (batch == batch_.end() || speed == speed_.end()) {
    table_.upsert(key, render_row(view_, key, batch == batch_.end() ? speed->second : batch->second));
    return;
  }
  table_.upsert(key, render_row(view_, key, merge(view_, batch->second, speed->second)));
}

std::size_t MergedView::keys() const { return table_.size(); }

}  // namespace kappa::processor
