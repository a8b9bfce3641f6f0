#pragma once
#include <optional>
#include <string>

#include "kube/client_config.h"

namespace kappa::kube {

// Reads a kubeconfig file and resolves one context (the current one unless
// `context` is given) into a ClientConfig. Relative file paths resolve
// against the kubeconfig's directory, as kubectl does. Throws ConfigError.
ClientConfig load_kubeconfig(const std::string& path,
                             const std::optional<std::string>& context = std::nullopt);

}  // namespace kappa::kube
