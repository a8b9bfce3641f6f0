#include "controllers/version_cleanup.h"

#include "api/names.h"
#include "controllers/owned_kafka.h"
#include "kafka/kafka_error.h"
#include "kube/api_error.h"

namespace kappa::controllers {

namespace {

// Asks for a foreground delete of what exists; true if it still did.
bool delete_in_foreground(kube::KubeClient& client, const kube::Resource& resource, const std::string& ns,
                          const std::string& name) {
  if (name.empty()) return false;
  try {
    client.get(resource, ns, name);
    kube::DeleteOptions options;
    options.propagation_policy = "Foreground";
    client.remove(resource, ns, name, options);
    return true;
  } catch (const kube::ApiError& e) {
    if (e.kind() != kube::ApiErrorKind::NotFound) throw;
    return false;
  }
}

}  // namespace

CleanupStep delete_version(kube::KubeClient& client, kafka::KafkaAdmin& admin, const VersionParts& parts,
                           bool delete_tables) {
  const bool job = delete_in_foreground(client, kube::resources::kJobs, parts.ns, parts.batch_job);
  if (delete_in_foreground(client, kube::resources::kDeployments, parts.ns, parts.deployment) || job) {
    return CleanupStep::DeploymentTerminating;
  }
  try {
    for (const auto* group : {&parts.consumer_group, &parts.batch_group}) {
      if (!group->empty()) delete_owned_group(admin, parts.ns, parts.pipeline, parts.version, *group);
    }
  } catch (const kafka::KafkaError& e) {
    if (e.kind() == kafka::KafkaErrorKind::GroupNotEmpty) return CleanupStep::GroupStillHasMembers;
    throw;
  }
  if (delete_tables) {
    std::vector<std::string> topics;
    for (const auto* table : {&parts.output_topic, &parts.batch_table}) {
      if (table->empty()) continue;
      topics.push_back(*table);
      topics.push_back(api::state_topic(*table));
    }
    delete_owned_topics(admin, parts.ns, parts.pipeline, parts.version, topics);
  }
  return CleanupStep::Done;
}

}  // namespace kappa::controllers
