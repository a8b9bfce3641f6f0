#pragma once
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kube/kube_client.h"

namespace kappa::plugin {

using nlohmann::json;

// A failure to tell the user as is (stderr, exit 1), already phrased.
class CommandError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Where the commands act: one API server, one namespace.
struct Target {
  kube::KubeClient& client;
  std::string ns;
};

// The Pipeline, or CommandError "pipeline X not found in namespace Y".
json get_pipeline(Target& t, const std::string& name);

// The pipeline's Reprocessings, sorted by version (see of_pipeline).
std::vector<json> reprocessings_of(Target& t, const std::string& pipeline);

// A JSON merge patch of a Pipeline or Reprocessing spec/metadata.
json merge_patch(Target& t, const kube::Resource& r, const std::string& name, const json& body);

}  // namespace kappa::plugin
