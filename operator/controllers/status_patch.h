#pragma once
#include <functional>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "kube/kube_client.h"

namespace kappa::controllers {

// The JSON merge patch turning `current` into `desired` (keys that went
// away become null), or null when they are equal.
nlohmann::json status_merge_patch(const nlohmann::json& current, const nlohmann::json& desired);

// Writes `desired` as the object's status subresource if it differs from the
// status the object has; true when a write happened. A merge patch needs no
// resourceVersion, so a stale cache copy never costs a conflict, and fields
// this writer does not own (absent from both) are left alone. With
// `guarded`, the patch carries the object's resourceVersion: a write that
// must not land on a newer object than the one it was computed from (a
// version number) fails with Conflict instead. Returns the object written.
enum class StatusWrite { Unguarded, Guarded };
std::optional<nlohmann::json> write_status(kube::KubeClient& client, const kube::Resource& resource,
                                           const nlohmann::json& object, const nlohmann::json& desired,
                                           StatusWrite mode = StatusWrite::Unguarded);

// Reads the object fresh, lets `edit` change its status and writes the
// whole status back under that read's resourceVersion (update_status), read
// and edited again on a Conflict (up to five times). For bookkeeping that a
// write from a stale copy must never undo (a version counter, the record of
// Kafka names). `edit` returns false when there is nothing to write.
// Returns whether a write happened.
bool edit_status_guarded(kube::KubeClient& client, const kube::Resource& resource, const std::string& ns,
                         const std::string& name, const std::function<bool(nlohmann::json& status)>& edit);
// The same from the caller's copy of the object (a cached one, say), which
// saves the first read when the copy is current; a stale copy costs a
// Conflict and a fresh read. `object` becomes the written (or last read)
// object, so a second edit can start from it.
bool edit_status_guarded(kube::KubeClient& client, const kube::Resource& resource, nlohmann::json& object,
                         const std::function<bool(nlohmann::json& status)>& edit);

// Adds or removes a finalizer with a merge patch carrying the object's
// resourceVersion (a precondition: a concurrent change makes it fail and
// the reconcile retries). Returns the updated object.
nlohmann::json add_finalizer(kube::KubeClient& client, const kube::Resource& resource, const nlohmann::json& object,
                             const std::string& finalizer);
nlohmann::json remove_finalizer(kube::KubeClient& client, const kube::Resource& resource,
                                const nlohmann::json& object, const std::string& finalizer);
bool has_finalizer(const nlohmann::json& object, const std::string& finalizer);
bool is_deleting(const nlohmann::json& object);

}  // namespace kappa::controllers
