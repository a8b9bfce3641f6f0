#pragma once
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/status_names.h"

namespace kappa::controllers {

// Every replica the Deployment asks for is Ready. Not gated on
// observedGeneration: the apiserver bumps a Deployment's generation for
// annotation changes too (the standby-since mark right after a switch),
// which would make a warm version look unready to a rollback; a version's
// pod template never changes, and a replica change shows in the counts.
bool all_replicas_ready(const nlohmann::json& deployment);

// A Reprocessing in this phase is over: it builds nothing any more.
inline bool is_terminal_phase(const std::string& phase) {
  return phase == api::phase::kSucceeded || phase == api::phase::kAborted || phase == api::phase::kFailed;
}
int32_t ready_replicas(const nlohmann::json& deployment);

// Why a version's pods cannot become Ready on their own (a crash loop, an
// image the node cannot run, a bad env reference), or nothing.
struct PodTrouble {
  std::string reason;   // CamelCase, for a condition
  std::string message;  // which pod, what its container says
};
std::optional<PodTrouble> pod_trouble(const std::vector<nlohmann::json>& pods);
// Why the version's ReplicaSet cannot create its pods at all (admission
// refused them: Pod Security, a quota, a webhook), as the Deployment's
// ReplicaFailure condition says; there are then no pods to look at.
std::optional<PodTrouble> replica_failure(const nlohmann::json& deployment);

// The partition -> offset map stored on a version's Deployment.
std::map<int32_t, int64_t> start_offsets_of(const nlohmann::json& deployment);

// Offsets as JSON, {"<partition>": <offset>, ...}: the Deployment
// annotation's form, a Lambda snapshot's, and the processor's KAPPA_STOP_AT.
nlohmann::json offsets_json(const std::map<int32_t, int64_t>& offsets);
// The reverse; nothing unless every key is a partition number and every
// value an integer.
std::optional<std::map<int32_t, int64_t>> offsets_from_json(const nlohmann::json& offsets);

// Records from `start` to `end`, summed over the partitions of `end` (a
// partition missing from `start` counts from offset 0).
int64_t sum_lag(const std::map<int32_t, int64_t>& end, const std::map<int32_t, int64_t>& start);

}  // namespace kappa::controllers
