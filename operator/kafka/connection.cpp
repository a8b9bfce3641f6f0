#include "kafka/connection.h"

#include <stdexcept>

#include "kappa/common/base64.h"

namespace kappa::kafka {

std::map<std::string, std::string> KafkaConnection::client_properties() const {
  std::map<std::string, std::string> out = properties;
  out["bootstrap.servers"] = bootstrap_servers;
  return out;
}

std::string KafkaConnection::describe() const {
  std::string out = bootstrap_servers;
  if (!properties.empty()) {
    out += " (+" + std::to_string(properties.size()) + " properties:";
    for (const auto& [key, unused] : properties) out += " " + key;
    out += ")";
  }
  return out;
}

std::map<std::string, std::string> properties_from_secret(const nlohmann::json& secret) {
  std::map<std::string, std::string> out;
  const nlohmann::json data = secret.value("data", nlohmann::json::object());
  const nlohmann::json string_data = secret.value("stringData", nlohmann::json::object());
  for (const auto& [key, value] : data.items()) {
    auto decoded = base64_decode(value.get<std::string>());
    if (!decoded) throw std::invalid_argument("secret key '" + key + "' is not valid base64");
    out[key] = *decoded;
  }
  for (const auto& [key, value] : string_data.items()) {
    out[key] = value.get<std::string>();
  }
  return out;
}

}  // namespace kappa::kafka
