#pragma once
// Folding a batch that has been read first (Aggregator::prepare for each
// record): while record `next` is folded, the memory the folds of the
// records just behind it will touch is fetched, in three steps so that each
// one finds the previous one's line in cache: the key's slot in the state
// table 8 records ahead, the state it holds 4 ahead, and the distinct-set
// slots the values will probe 2 ahead. The stream loop and the transform
// benchmark both fold this way.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/aggregator.h"
#include "core/state_store.h"

namespace kappa::processor {

// One record of a batch: its input partition (-1: not a record to fold,
// e.g. a consumer error) and the event as prepared.
struct BatchRecord {
  int32_t partition = -1;
  PreparedEvent event;
};

// Hints the store and the distinct sets about records next+2, next+4 and
// next+8 of `batch` (the first `count` are valid). Changes nothing.
void prefetch_ahead(const StateStore& store, const Aggregator& aggregator, const std::vector<BatchRecord>& batch,
                    std::size_t count, std::size_t next);

}  // namespace kappa::processor
