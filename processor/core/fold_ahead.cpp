#include "core/fold_ahead.h"

namespace kappa::processor {

void prefetch_ahead(const StateStore& store, const Aggregator& aggregator, const std::vector<BatchRecord>& batch,
                    std::size_t count, std::size_t next) {
  const auto applied = [&](std::size_t at) -> const BatchRecord* {
    if (at >= count) return nullptr;
    const auto& record = batch[at];
    return record.partition >= 0 && record.event.outcome.kind == Outcome::Kind::Applied ? &record : nullptr;
  };
  if (const auto* record = applied(next + 8)) store.prefetch_slot(record->partition, record->event.key());
  if (const auto* record = applied(next + 4)) store.prefetch_state(record->partition, record->event.key());
  if (const auto* record = applied(next + 2)) {
    if (const auto* state = store.peek(record->partition, record->event.key())) {
      aggregator.prefetch(record->event, *state);
    }
  }
}

}  // namespace kappa::processor
