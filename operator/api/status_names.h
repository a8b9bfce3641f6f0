#pragma once
// The words of the kappa.dev status API (docs/design.md, §3): Reprocessing
// phases, condition types, the states a Pipeline lists its versions in, and
// the reasons the operator sets. Users, kstatus, `kubectl wait`, the plugin
// and Argo CD's health checks match on these strings: one spelling, here.

namespace kappa::api {

namespace phase {
inline constexpr const char* kPending = "Pending";
inline constexpr const char* kProvisioning = "Provisioning";
inline constexpr const char* kBatching = "Batching";  // a Lambda generation's batch run
inline constexpr const char* kCatchingUp = "CatchingUp";
inline constexpr const char* kPromotable = "Promotable";
inline constexpr const char* kPromoted = "Promoted";
inline constexpr const char* kSucceeded = "Succeeded";
inline constexpr const char* kAborted = "Aborted";
inline constexpr const char* kFailed = "Failed";
}  // namespace phase

namespace condition {
// A Pipeline's.
inline constexpr const char* kReady = "Ready";
inline constexpr const char* kReconciling = "Reconciling";
inline constexpr const char* kServing = "Serving";
// Both kinds'.
inline constexpr const char* kStalled = "Stalled";
// A Reprocessing's.
inline constexpr const char* kCaughtUp = "CaughtUp";
inline constexpr const char* kPromoted = "Promoted";
inline constexpr const char* kSucceeded = "Succeeded";
}  // namespace condition

// status.versions[].state of a Pipeline.
namespace version_state {
inline constexpr const char* kActive = "Active";
inline constexpr const char* kCatchingUp = "CatchingUp";
inline constexpr const char* kPromotable = "Promotable";
inline constexpr const char* kStandby = "Standby";
inline constexpr const char* kRetired = "Retired";
}  // namespace version_state

// status.batchRuns[].outcome of a Lambda Pipeline.
namespace batch_run_outcome {
inline constexpr const char* kRunning = "Running";
inline constexpr const char* kSucceeded = "Succeeded";
inline constexpr const char* kFailed = "Failed";
}  // namespace batch_run_outcome

// Condition reasons (CamelCase, as metav1.Condition asks).
namespace reason {
// Serving
inline constexpr const char* kNoActiveVersion = "NoActiveVersion";
inline constexpr const char* kActiveVersionServing = "ActiveVersionServing";
inline constexpr const char* kActiveVersionNotReady = "ActiveVersionNotReady";
inline constexpr const char* kActiveVersionMissing = "ActiveVersionMissing";
inline constexpr const char* kServiceNotOwned = "ServiceNotOwned";
// Ready / Reconciling
inline constexpr const char* kRolloutComplete = "RolloutComplete";
inline constexpr const char* kRolledBack = "RolledBack";
inline constexpr const char* kTemplateNotRolledOut = "TemplateNotRolledOut";
inline constexpr const char* kIdle = "Idle";
inline constexpr const char* kPaused = "Paused";
inline constexpr const char* kRolloutPending = "RolloutPending";
inline constexpr const char* kProvisioning = "Provisioning";
inline constexpr const char* kCatchingUp = "CatchingUp";
inline constexpr const char* kAwaitingPromotion = "AwaitingPromotion";
// Stalled
inline constexpr const char* kProgressing = "Progressing";
inline constexpr const char* kCandidateStalled = "CandidateStalled";
inline constexpr const char* kInvalidSpec = "InvalidSpec";
inline constexpr const char* kInvalidPipelineSpec = "InvalidPipelineSpec";
inline constexpr const char* kPipelineNotFound = "PipelineNotFound";
inline constexpr const char* kKafkaUnreachable = "KafkaUnreachable";
inline constexpr const char* kKafkaError = "KafkaError";
inline constexpr const char* kKafkaAuthFailed = "KafkaAuthFailed";
inline constexpr const char* kKafkaNotAuthorized = "KafkaNotAuthorized";
inline constexpr const char* kKafkaSecretMissing = "KafkaSecretMissing";
inline constexpr const char* kDeploymentConflict = "DeploymentConflict";
inline constexpr const char* kInputTopicMissing = "InputTopicMissing";
inline constexpr const char* kRetentionInsufficient = "RetentionInsufficient";
inline constexpr const char* kTopicConflict = "TopicConflict";
inline constexpr const char* kLagUnavailable = "LagUnavailable";
inline constexpr const char* kCatchUpDeadlineExceeded = "CatchUpDeadlineExceeded";
inline constexpr const char* kLagNotShrinking = "LagNotShrinking";
inline constexpr const char* kAborting = "Aborting";
inline constexpr const char* kPodsNotCreated = "PodsNotCreated";  // admission refused the version's pods
inline constexpr const char* kBatchRunning = "BatchRunning";
inline constexpr const char* kBatchFailed = "BatchFailed";
inline constexpr const char* kJobConflict = "JobConflict";
// CaughtUp
inline constexpr const char* kStabilizing = "Stabilizing";
inline constexpr const char* kReplicasNotReady = "ReplicasNotReady";
inline constexpr const char* kLagWithinMaxLag = "LagWithinMaxLag";
// Promoted / Succeeded
inline constexpr const char* kSwitched = "Switched";
inline constexpr const char* kPromoted = "Promoted";
inline constexpr const char* kSucceeded = "Succeeded";
inline constexpr const char* kAborted = "Aborted";
}  // namespace reason

// Pipeline status fields only the version allocation writes (guarded, read
// fresh): the counter and the note of which Reprocessing took its last number.
namespace status_field {
inline constexpr const char* kNextVersion = "nextVersion";
inline constexpr const char* kLastAllocation = "lastAllocation";
}  // namespace status_field

}  // namespace kappa::api
