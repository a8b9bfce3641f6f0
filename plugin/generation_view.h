#pragma once
// The Lambda parts of `kubectl kappa status` (docs/lambda.md): how new
// generations start, what the serving generation's batch covered and how
// old it is, a generation's batch run on the candidate's row, and the
// recent batch runs. Pure, like status_view: objects and a time in, text out.
#include <string>

#include <nlohmann/json.hpp>

#include "plugin/format.h"

namespace kappa::plugin {

// "Arch       Lambda (a new generation every 1h)\n" from the Pipeline's spec.
std::string architecture_line(const json& spec);

// The "Serving" and "Batch age" lines from the Pipeline's status.
std::string serving_generation_lines(const json& status, Clock::time_point now);

// A snapshot's records below it, in total and per partition, compactly:
// "300 records (0:100 1:100 2:100)", or with many partitions
// "12,000 records (12 partitions, 900..1,100 each)".
std::string snapshot_summary(const json& snapshot);

// The candidate's row while its batch run works, from its Reprocessing's
// status: "batch run: 450 records up to the snapshot, 9m so far (Job p-v4-batch)".
std::string batch_detail(const json& reprocessing_status, Clock::time_point now);

// The table of status.batchRuns (newest first, as the operator keeps them).
std::string batch_runs_block(const json& status, Clock::time_point now);

}  // namespace kappa::plugin
