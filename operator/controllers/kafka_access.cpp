#include "controllers/kafka_access.h"

#include "kafka/kafka_error.h"
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
  std::string key = connection.bootstrap_servers;
  for (const auto& [name, value] : connection.properties) key += '\n' + name + '=' + value;
  const std::string pipeline = spec.ns + "/" + spec.name;
  std::shared_ptr<std::atomic<bool>> answered;
  {
    std::lock_guard lock(mutex_);
    if (const auto it = key_of_pipeline_.find(pipeline); it != key_of_pipeline_.end() && it->second != key) {
      release_locked(pipeline);
    }
    auto& entry = admins_[key];
    if (!entry.admin) entry.admin = factory_(connection);
    entry.pipelines.insert(pipeline);
    key_of_pipeline_[pipeline] = key;
    out.admin = entry.admin;  // a reconcile using it keeps it alive after release
    answered = entry.answered;
  }
  // A new client (new credentials) must be answered once, or a wrong
  // password would only show at the next rollout: librdkafka connects
  // lazily. A missing input topic still proves the broker answered.
  if (!answered->load()) {
    try {
      out.admin->partition_count(spec.input_topic);
    } catch (const kafka::KafkaError& e) {
      if (e.kind() != kafka::KafkaErrorKind::UnknownTopic) throw;
    }
    answered->store(true);
  }
  return out;
}

void KafkaAdminPool::forget(const std::string& ns, const std::string& name) {
  std::lock_guard lock(mutex_);
  release_locked(ns + "/" + name);
}

std::size_t KafkaAdminPool::size() const {
  std::lock_guard lock(mutex_);
  return admins_.size();
}

void KafkaAdminPool::release_locked(const std::string& pipeline) {
  const auto it = key_of_pipeline_.find(pipeline);
  if (it == key_of_pipeline_.end()) return;
  if (const auto entry = admins_.find(it->second); entry != admins_.end()) {
    entry->second.pipelines.erase(pipeline);
    if (entry->second.pipelines.empty()) admins_.erase(entry);
  }
  key_of_pipeline_.erase(it);
}

}  // namespace kappa::controllers
