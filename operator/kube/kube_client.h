#pragma once
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "kube/resource.h"

namespace kappa::kube {

using nlohmann::json;

struct ListOptions {
  std::string label_selector;
  std::string field_selector;
  std::string resource_version;  // "" = most recent (quorum read)
  int limit = 0;                 // 0 = no paging
  std::string continue_token;
};

struct DeleteOptions {
  std::string propagation_policy;  // Foreground | Background | Orphan | "" (server default)
  std::string precondition_uid;
  std::string precondition_resource_version;
  std::optional<int> grace_period_seconds;
};

struct CreateOptions {
  // Admission and validation only (dryRun=All): nothing is stored. Tells
  // whether the object would be accepted before anything else is made.
  bool dry_run = false;
};

enum class PatchType { Merge, Json, StrategicMerge, Apply };

struct PatchOptions {
  std::string field_manager;  // required for Apply
  bool force = false;         // Apply: take ownership of conflicting fields
  std::string subresource;    // "" or "status"
};

// The Kubernetes API as the controllers use it. Every method throws
// ApiError for a refused request and TransportError when no answer came.
// Fakes implement it in unit tests; HttpKubeClient talks to a real server.
class KubeClient {
 public:
  virtual ~KubeClient() = default;
  virtual json get(const Resource& r, const std::string& ns, const std::string& name) = 0;
  // One page; follow metadata.continue (or use list_all) for the rest.
  virtual json list(const Resource& r, const std::string& ns, const ListOptions& options) = 0;
  virtual json create(const Resource& r, const std::string& ns, const json& object,
                      const CreateOptions& options = {}) = 0;
  // PUT of the whole object, guarded by its metadata.resourceVersion.
  virtual json update(const Resource& r, const json& object) = 0;
  virtual json update_status(const Resource& r, const json& object) = 0;
  virtual json patch(const Resource& r, const std::string& ns, const std::string& name, PatchType type,
                     const json& body, const PatchOptions& options) = 0;
  virtual void remove(const Resource& r, const std::string& ns, const std::string& name,
                      const DeleteOptions& options) = 0;
};

// Every item of a list, following continue tokens page by page. The
// result is a List object whose metadata is that of the last page.
json list_all(KubeClient& client, const Resource& r, const std::string& ns, ListOptions options);

}  // namespace kappa::kube
