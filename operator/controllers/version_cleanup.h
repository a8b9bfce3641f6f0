#pragma once
#include <string>

#include "kafka/kafka_admin.h"
#include "kube/kube_client.h"

namespace kappa::controllers {

// The parts of one version that outlive its pods.
struct VersionParts {
  std::string ns;
  std::string pipeline;
  int64_t version = 0;
  std::string deployment;
  std::string consumer_group;
  std::string output_topic;  // its state changelog goes with it
  // A Lambda generation's batch run ("" for a Kappa version): its Job and
  // group; its table is on the Pipeline's record with the output table's.
  std::string batch_job, batch_group, batch_table;
};

enum class CleanupStep { DeploymentTerminating, GroupStillHasMembers, Done };

// Removes a version in the order docs/design.md, invariant 4 asks for: the
// Deployment and a batch Job first (foreground, so their pods are gone
// before we go on), then the consumer groups, then (when `delete_tables`)
// the output table (and batch table) with their changelogs. Kafka names outside the Pipeline's own space are never
// deleted (docs/design.md, invariant 9).
// Idempotent; call again while it reports a step in progress.
CleanupStep delete_version(kube::KubeClient& client, kafka::KafkaAdmin& admin, const VersionParts& parts,
                           bool delete_tables);

}  // namespace kappa::controllers
