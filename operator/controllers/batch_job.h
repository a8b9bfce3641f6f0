#pragma once
// The batch run of a Lambda generation: a Kubernetes Job running the
// processor in bounded mode from startFrom up to the generation's snapshot,
// into the generation's batch group and batch table (docs/lambda.md).
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/pipeline_spec.h"
#include "controllers/version_deployment.h"

namespace kappa::controllers {

// The label on a batch run's pods (they carry no version label, so no
// serving Service ever selects them).
inline constexpr const char* kLabelBatchOf = "kappa.dev/batch-of";

// The Job `<pipeline>-v<N>-batch`, owned by the Pipeline. Its pods never
// restart in place (restartPolicy Never): a failed or killed pod is
// replaced by the Job, which resumes from the batch group's committed
// offsets, up to spec.batch.backoffLimit times. A refused configuration
// (the processor's exit code 2) fails the Job at once: a retry cannot help.
nlohmann::json build_batch_job(const api::PipelineSpec& spec, const nlohmann::json& pipeline, const VersionPlan& plan,
                               const std::vector<std::string>& secret_keys);

// Where a batch Job stands, from its status conditions.
struct BatchOutcome {
  enum class State { Running, Succeeded, Failed } state = State::Running;
  std::string reason, message;  // of the Failed condition
};
BatchOutcome batch_outcome(const nlohmann::json& job);

}  // namespace kappa::controllers
