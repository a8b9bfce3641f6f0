#pragma once
#include <optional>
#include <string>

#include "kube/client_config.h"

namespace kappa::kube {

// The service-account mount every pod gets.
inline constexpr const char* kServiceAccountDir = "/var/run/secrets/kubernetes.io/serviceaccount";

// Config for a process running in a pod: the API server from
// KUBERNETES_SERVICE_HOST/PORT, the mounted CA, and the mounted token,
// which is re-read on every request because the kubelet rotates it.
// Throws ConfigError naming the variable or file that is missing.
ClientConfig load_in_cluster_config(const std::string& service_account_dir = kServiceAccountDir);

// How the binaries choose: an explicit kubeconfig path, else $KUBECONFIG,
// else in-cluster when running in a pod, else ~/.kube/config.
ClientConfig load_client_config(const std::string& kubeconfig_flag, const std::optional<std::string>& context);

}  // namespace kappa::kube
