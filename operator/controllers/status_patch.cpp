#include "controllers/status_patch.h"

#include <algorithm>

#include "kube/api_error.h"

namespace kappa::controllers {

using nlohmann::json;

json status_merge_patch(const json& current, const json& desired) {
  if (current == desired) return nullptr;
  json patch = desired;
  if (current.is_object()) {
    for (const auto& [key, value] : current.items()) {
      if (!desired.contains(key)) patch[key] = nullptr;
    }
  }
  return patch;
}

std::optional<json> write_status(kube::KubeClient& client, const kube::Resource& resource, const json& object,
                                 const json& desired, StatusWrite mode) {
  json current = object.value("status", json::object());
  if (!current.is_object()) current = json::object();
  const json patch = status_merge_patch(current, desired);
  if (patch.is_null()) return std::nullopt;
  kube::PatchOptions options;
  options.subresource = "status";
  const auto& meta = object.at("metadata");
  json body = {{"status", patch}};
  if (mode == StatusWrite::Guarded) body["metadata"] = {{"resourceVersion", meta.value("resourceVersion", "")}};
  return client.patch(resource, meta.value("namespace", ""), meta.value("name", ""), kube::PatchType::Merge, body,
                      options);
}

bool edit_status_guarded(kube::KubeClient& client, const kube::Resource& resource, json& object,
                         const std::function<bool(json& status)>& edit) {
  const auto meta = object.at("metadata");
  const std::string ns = meta.value("namespace", ""), name = meta.value("name", "");
  for (int attempt = 0;; ++attempt) {
    json edited = object;
    if (!edited.contains("status") || !edited["status"].is_object()) edited["status"] = json::object();
    if (!edit(edited["status"])) return false;
    try {
      object = client.update_status(resource, edited);  // guarded by the resourceVersion of our copy
      return true;
    } catch (const kube::ApiError& e) {
      if (e.kind() != kube::ApiErrorKind::Conflict || attempt >= 4) throw;
    }
    object = client.get(resource, ns, name);  // our copy was behind: read it fresh and edit again
  }
}

bool edit_status_guarded(kube::KubeClient& client, const kube::Resource& resource, const std::string& ns,
                         const std::string& name, const std::function<bool(json& status)>& edit) {
  json object = client.get(resource, ns, name);
  return edit_status_guarded(client, resource, object, edit);
}

namespace {

json set_finalizers(kube::KubeClient& client, const kube::Resource& resource, const json& object,
                    const json& finalizers) {
  const auto& meta = object.at("metadata");
  return client.patch(resource, meta.value("namespace", ""), meta.value("name", ""), kube::PatchType::Merge,
                      {{"metadata", {{"finalizers", finalizers}, {"resourceVersion", meta.value("resourceVersion", "")}}}},
                      {});
}

}  // namespace

bool has_finalizer(const json& object, const std::string& finalizer) {
  const auto list = object["metadata"].value("finalizers", json::array());
  return std::find(list.begin(), list.end(), finalizer) != list.end();
}

bool is_deleting(const json& object) { return object["metadata"].contains("deletionTimestamp"); }

json add_finalizer(kube::KubeClient& client, const kube::Resource& resource, const json& object,
                   const std::string& finalizer) {
  if (has_finalizer(object, finalizer)) return object;
  json list = object["metadata"].value("finalizers", json::array());
  list.push_back(finalizer);
  return set_finalizers(client, resource, object, list);
}

json remove_finalizer(kube::KubeClient& client, const kube::Resource& resource, const json& object,
                      const std::string& finalizer) {
  if (!has_finalizer(object, finalizer)) return object;
  json list = json::array();
  for (const auto& f : object["metadata"]["finalizers"]) {
    if (f != finalizer) list.push_back(f);
  }
  try {
    return set_finalizers(client, resource, object, list);
  } catch (const kube::ApiError& e) {
    // Our cache was behind: the last finalizer already went, and the object with it.
    if (e.kind() != kube::ApiErrorKind::NotFound) throw;
    json gone = object;
    gone["metadata"]["finalizers"] = list;
    return gone;
  }
}

}  // namespace kappa::controllers
