#pragma once
#include <chrono>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

namespace kappa::kafka {

// How to reach one Kafka cluster: bootstrap servers, librdkafka properties
// (SASL/TLS, from a Kubernetes Secret) and the bound on every call.
struct KafkaConnection {
  std::string bootstrap_servers;
  std::map<std::string, std::string> properties;
  std::chrono::milliseconds timeout{10000};

  // librdkafka properties to configure a client with (bootstrap included).
  std::map<std::string, std::string> client_properties() const;
  // "bootstrap (+N properties: a, b)" with property names but never values:
  // they may be passwords.
  std::string describe() const;
};

// The librdkafka properties in a Secret's data (base64 values; each key is
// a property name, e.g. sasl.mechanism). Throws std::invalid_argument naming
// the key whose value is not base64.
std::map<std::string, std::string> properties_from_secret(const nlohmann::json& secret);

}  // namespace kappa::kafka
