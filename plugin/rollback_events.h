#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace kappa::plugin {

using nlohmann::json;

// The operator answers a rollback it cannot do with a RollbackUnavailable
// Event; repeats of it are one Event whose series.count grows. So a refusal
// of *our* request is an Event that is new or counted higher than before we
// asked: comparing counts, not times, is immune to clock skew.
using RefusalCounts = std::map<std::string, int64_t>;

// Event name -> count, for the pipeline's RollbackUnavailable Events in an
// events.k8s.io/v1 EventList.
RefusalCounts refusal_counts(const json& event_list, const std::string& pipeline);

// The note of a refusal that appeared since `before`, if any.
std::optional<std::string> new_refusal(const RefusalCounts& before, const json& event_list,
                                       const std::string& pipeline);

// The version a Service's selector serves (label kappa.dev/version).
std::optional<int64_t> selected_version(const json& service);

}  // namespace kappa::plugin
