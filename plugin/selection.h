#pragma once
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace kappa::plugin {

using nlohmann::json;

// Succeeded, Aborted and Failed are final: nothing more can be done to
// such a Reprocessing, so promote/abort never pick one.
bool is_final_phase(const std::string& phase);

// The Reprocessings whose spec.pipelineRef.name is `pipeline`, ordered by
// status.version; those without a version yet (Pending) come last, oldest
// first. Hand-made Reprocessings carry no pipeline label, so the match is
// on the spec, not a label selector.
std::vector<json> of_pipeline(const json& items, const std::string& pipeline);

// The pipeline's Reprocessing in flight (phase not final) with the highest
// status.version; a version-less one only when no other is in flight.
std::optional<json> in_flight(const std::vector<json>& reprocessings);

}  // namespace kappa::plugin
