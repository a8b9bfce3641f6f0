#pragma once
#include <memory>
#include <random>
#include <string>

#include "kube/kubeconfig_loader.h"
#include "kube/rest_client.h"
#include "support/stack_env.h"

namespace kappa::testing {

// A RestClient for the local stack's admin user, from $KUBECONFIG.
inline std::unique_ptr<kube::RestClient> stack_client() {
  return std::make_unique<kube::RestClient>(kube::load_kubeconfig(stack_env().kubeconfig));
}

// A DNS-1123 name no other test run uses.
inline std::string unique_name(const std::string& prefix) {
  static std::mt19937_64 rng{std::random_device{}()};
  static const char* hex = "0123456789abcdef";
  std::string suffix;
  for (int i = 0; i < 8; ++i) suffix += hex[rng() % 16];
  return prefix + "-" + suffix;
}

}  // namespace kappa::testing
