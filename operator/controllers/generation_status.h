#pragma once
// A Lambda Pipeline's generation fields of status (docs/lambda.md, "The
// API"), read from its Reprocessings: the serving generation and its
// snapshot, the recent batch runs, and when the last generation started.
#include <cstddef>
#include <vector>

#include <nlohmann/json.hpp>

namespace kappa::controllers {

inline constexpr std::size_t kBatchRunHistory = 10;

// Sets servingGeneration, batchRuns and lastGenerationStartedAt of a
// Pipeline status whose activeVersion is already current.
void record_generations(nlohmann::json& status, const std::vector<nlohmann::json>& reprocessings);

// The batchRuns entry of a Reprocessing whose batch run has started.
nlohmann::json batch_run(const nlohmann::json& reprocessing);

}  // namespace kappa::controllers
