#pragma once
#include <string>

namespace kappa::kube {

// One REST resource of the API: group/version/plural and whether it lives
// in namespaces. Builds the request paths for it.
struct Resource {
  std::string group;    // "" for the core group
  std::string version;  // v1, v1alpha1, ...
  std::string plural;   // configmaps, deployments, pipelines
  bool namespaced = true;

  std::string api_prefix() const {
    return group.empty() ? "/api/" + version : "/apis/" + group + "/" + version;
  }
  // The collection (name empty) or one object, optionally a subresource.
  // `ns` empty on a namespaced resource means all namespaces.
  std::string path(const std::string& ns, const std::string& name = {},
                   const std::string& subresource = {}) const {
    std::string p = api_prefix();
    if (namespaced && !ns.empty()) p += "/namespaces/" + ns;
    p += "/" + plural;
    if (!name.empty()) p += "/" + name;
    if (!subresource.empty()) p += "/" + subresource;
    return p;
  }
};

namespace resources {
inline const Resource kNamespaces{"", "v1", "namespaces", false};
inline const Resource kConfigMaps{"", "v1", "configmaps", true};
inline const Resource kSecrets{"", "v1", "secrets", true};
inline const Resource kServices{"", "v1", "services", true};
inline const Resource kPods{"", "v1", "pods", true};
inline const Resource kDeployments{"apps", "v1", "deployments", true};
inline const Resource kPodDisruptionBudgets{"policy", "v1", "poddisruptionbudgets", true};
inline const Resource kJobs{"batch", "v1", "jobs", true};
inline const Resource kLeases{"coordination.k8s.io", "v1", "leases", true};
inline const Resource kEvents{"events.k8s.io", "v1", "events", true};
}  // namespace resources

}  // namespace kappa::kube
