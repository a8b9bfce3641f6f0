#pragma once
// What one Pipeline reconcile has read and decided; shared by the steps
// (pipeline_reconciler.cpp) and the status it ends with (pipeline_status.cpp).
#include <algorithm>
#include <chrono>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/conditions.h"
#include "api/names.h"
#include "api/pipeline_spec.h"
#include "controllers/version_state.h"
#include "controllers/kafka_access.h"
#include "controllers/pipeline_reconciler.h"

namespace kappa::controllers {

using nlohmann::json;

inline constexpr const char* kAnnotationSupersededBy = "kappa.dev/superseded-by";
inline constexpr std::size_t kRetiredHistory = 10;

// An object's status, or an empty object when it has none yet (a status
// key holding null included, which value() would throw on).
inline const json& status_of(const json& object) {
  static const json empty = json::object();
  const auto it = object.find("status");
  return it != object.end() && it->is_object() ? *it : empty;
}

inline bool is_terminal(const json& rp) { return is_terminal_phase(status_of(rp).value("phase", "")); }

inline int64_t version_of(const json& rp) { return status_of(rp).value("version", int64_t{0}); }

// The Stalled condition a Reprocessing holds True (why it ended), if any.
inline std::optional<json> stalled_because(const json& rp) {
  auto why = api::find_condition(status_of(rp).value("conditions", json::array()), api::condition::kStalled);
  if (!why || why->value("status", "") != "True") return std::nullopt;
  return why;
}

inline std::string hash_label(const json& object) {
  return object["metadata"].value("labels", json::object()).value(api::kLabelTemplateHash, "");
}

inline std::string annotation(const json& object, const std::string& key) {
  return object["metadata"].value("annotations", json::object()).value(key, "");
}

inline std::chrono::milliseconds millis(std::chrono::system_clock::duration d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d);
}


// Thrown when a fresh read of the Service disagrees with the cache the pass
// started from; the pass starts over (pipeline_service.cpp).
struct ServiceMoved : std::runtime_error {
  ServiceMoved() : std::runtime_error("the serving Service moved on since the cache saw it") {}
};

struct PipelineReconciler::View {
  nlohmann::json object;
  nlohmann::json status;  // desired status, without the allocator's nextVersion
  std::string ns, name;
  std::optional<api::PipelineSpec> spec;
  std::string desired_hash;
  std::optional<nlohmann::json> service;
  bool service_from_cache = false;  // not yet confirmed by a fresh read (pipeline_service.cpp)
  bool fresh_service = false;       // this pass reads it fresh from the start
  bool service_conflict = false;
  std::optional<int64_t> active;
  std::string active_hash;
  std::map<int64_t, nlohmann::json> deployments;  // ours, by version
  std::vector<nlohmann::json> reprocessings;      // every Reprocessing naming this Pipeline
  std::optional<nlohmann::json> candidate;        // the in-flight one with the highest version
  std::optional<api::Condition> stalled;
  std::optional<std::chrono::milliseconds> requeue;
  std::optional<KafkaAccess> kafka;
  std::vector<nlohmann::json> retired;  // versions retired in this pass

  void requeue_within(std::chrono::milliseconds d) { requeue = requeue ? std::min(*requeue, d) : d; }
  bool in_flight_any() const {
    return std::any_of(reprocessings.begin(), reprocessings.end(), [](const nlohmann::json& r) { return !is_terminal(r); });
  }
};

}  // namespace kappa::controllers
