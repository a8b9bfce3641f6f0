#pragma once
// The serving merge of Lambda mode. A key's batch state folds every event
// up to the snapshot offsets S_k; its speed state folds every event after
// them (its own consumer group starts at exactly S_k). Merged aggregate by
// aggregate they give the state one fold over the whole log would have:
//  - count: the sum of both counts;
//  - count_distinct: the union of both sets (exact, never a sum of counts);
//  - min, max: the smaller, the larger;
//  - last: the speed layer's value when it has seen one (its events come
//    later in the log), else the batch's; of a repartitioned input, whose
//    states keep their event order, the later by that order (the speed's
//    on a tie), as one fold by that order picks;
//  - sum: exact while both sums are integers and their total fits int64;
//    otherwise the exact sum of both sides' partials (core/exact_sum.h),
//    which is the one fold's exact sum: equal to the last bit.
#include "core/aggregates.h"
#include "core/view_definition.h"

namespace kappa::processor {

AggregateState merge(AggregateOp op, const AggregateState& batch, const AggregateState& speed);

// Every aggregate of `view`, in view order. Both states must be of `view`
// (as decoded from its changelog); the result's distinct_bytes is recounted.
KeyState merge(const ViewDefinition& view, const KeyState& batch, const KeyState& speed);

}  // namespace kappa::processor
