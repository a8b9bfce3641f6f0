#include "controllers/kafka_access.h"

#include "kafka/property_policy.h"
#include "kube/resource.h"

namespace kappa::controllers {

KafkaAdminPool::KafkaAdminPool(kube::KubeClient& client, Factory factory, std::chrono::milliseconds timeout)
    : client_(client), factory_(std::move(factory)), timeout_(timeout) {}

KafkaAccess KafkaAdminPool::access(const api::PipelineSpec& spec) {
  kafka::KafkaConnection connection;
  connection.bootstrap_servers = spec.bootstrap_servers;
  connection.timeout = timeout_;
  KafkaAccess out;
  if (!spec.secret_name.empty()) {
    const auto secret = client_.get(kube::resources::kSecrets, spec.ns, spec.secret_name);
    connection.properties = kafka::properties_from_secret(secret);
    // Before any client exists: some properties act inside rd_kafka_new.
    kafka::check_tenant_properties(connection.properties);
    for (const auto& [name, value] : connection.properties) out.secret_keys.push_back(name);
  }
  // The key holds secret values: it stays in memory, never in a log.
  std::string key = connection.bootstrap_servers;
  for (const auto& [name, value] : connection.properties) key += '\n' + name + '=' + value;
  std::lock_guard lock(mutex_);
  auto& admin = admins_[key];
  if (!admin) admin = factory_(connection);
  out.admin = admin;
  return out;
}

}  // namespace kappa::controllers
