#include "controllers/version_cleanup.h"

#include "api/names.h"
#include "controllers/owned_kafka.h"
#include "kafka/kafka_error.h"
#include "kube/api_error.h"

namespace kappa::controllers {

CleanupStep delete_version(kube::KubeClient& client, kafka::KafkaAdmin& admin, const VersionParts& parts,
                           bool delete_tables) {
  try {
    client.get(kube::resources::kDeployments, parts.ns, parts.deployment);
    kube::DeleteOptions options;
    options.propagation_policy = "Foreground";
    client.remove(kube::resources::kDeployments, parts.ns, parts.deployment, options);
    return CleanupStep::DeploymentTerminating;
  } catch (const kube::ApiError& e) {
    if (e.kind() != kube::ApiErrorKind::NotFound) throw;
  }
  try {
    delete_owned_group(admin, parts.ns, parts.pipeline, parts.version, parts.consumer_group);
  } catch (const kafka::KafkaError& e) {
    if (e.kind() == kafka::KafkaErrorKind::GroupNotEmpty) return CleanupStep::GroupStillHasMembers;
    throw;
  }
  if (delete_tables) {
    delete_owned_topic(admin, parts.ns, parts.pipeline, parts.version, parts.output_topic);
    delete_owned_topic(admin, parts.ns, parts.pipeline, parts.version, api::state_topic(parts.output_topic));
  }
  return CleanupStep::Done;
}

}  // namespace kappa::controllers
