#pragma once
#include <string>
#include <vector>

#include "kafka/admin_types.h"
#include "kafka/kafka_error.h"

namespace kappa::kafka {

// Everything the operator asks of Kafka. Every call returns or throws
// KafkaError within the connection's timeout, so a reconcile worker is never
// blocked longer than that. Reconciler unit tests use a fake.
class KafkaAdmin {
 public:
  virtual ~KafkaAdmin() = default;

  virtual int32_t partition_count(const std::string& topic) = 0;
  virtual PartitionOffsets end_offsets(const std::string& topic) = 0;
  virtual PartitionOffsets earliest_offsets(const std::string& topic) = 0;
  // The first offset at or after `timestamp_ms` per partition (the end
  // offset where no record is that new).
  virtual PartitionOffsets offsets_for_time(const std::string& topic, int64_t timestamp_ms) = 0;
  // The offsets a replay from `start` begins at, per partition.
  virtual PartitionOffsets start_offsets(const std::string& topic, const StartFrom& start) = 0;

  // Lag of many groups on one topic, in one round of concurrent requests.
  virtual std::vector<GroupLag> lag(const std::string& topic, const std::vector<GroupLagQuery>& groups) = 0;
  // Lag of many groups over any topics of one cluster, in one round: every
  // topic's offsets and every group's commits are asked for together. One
  // answer per query, in order; a group that could not be measured carries
  // its error, and a cluster that answers nothing throws.
  virtual std::vector<GroupLag> lag_batch(const std::vector<LagQuery>& queries) = 0;

  // Idempotent: an existing topic with the same settings is success; other
  // settings throw TopicConflict naming the differences.
  virtual void create_topic(const TopicSpec& spec) = 0;
  // Each as create_topic, all in one request where the client can: the
  // controller makes them together, and a version's tables cost one round
  // trip, not one per topic.
  virtual void create_topics(const std::vector<TopicSpec>& specs) {
    for (const auto& spec : specs) create_topic(spec);
  }
  // Idempotent: a missing topic is success.
  virtual void delete_topic(const std::string& topic) = 0;
  // Each as delete_topic, all in one request where the client can (a
  // version's table and changelog go together).
  virtual void delete_topics(const std::vector<std::string>& topics) {
    for (const auto& topic : topics) delete_topic(topic);
  }
  // Waits (within the timeout) for members to leave; a missing group is
  // success; still members at the deadline throws GroupNotEmpty.
  virtual void delete_group(const std::string& group) = 0;
  virtual std::vector<std::string> list_groups(const std::string& prefix) = 0;
  // Topic names starting with `prefix`, sorted (internal topics excluded).
  virtual std::vector<std::string> list_topics(const std::string& prefix) = 0;

  // Can a replay from `start` still read everything it needs?
  virtual RetentionCheck retention_preflight(const std::string& topic, const StartFrom& start) = 0;
};

}  // namespace kappa::kafka
