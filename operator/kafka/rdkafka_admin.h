#pragma once
#include <map>
#include <mutex>
#include <utility>
#include <string>

#include "kafka/connection.h"
#include "kafka/kafka_admin.h"
#include "kappa/common/rdkafka_handles.h"

namespace kappa::kafka {

// KafkaAdmin on librdkafka's C Admin API (the C++ wrapper of 2.0.2 has none).
// One client handle per cluster, shared by all calls; thread-safe.
class RdKafkaAdmin final : public KafkaAdmin {
 public:
  explicit RdKafkaAdmin(KafkaConnection connection);

  int32_t partition_count(const std::string& topic) override;
  PartitionOffsets end_offsets(const std::string& topic) override;
  PartitionOffsets earliest_offsets(const std::string& topic) override;
  PartitionOffsets offsets_for_time(const std::string& topic, int64_t timestamp_ms) override;
  PartitionOffsets start_offsets(const std::string& topic, const StartFrom& start) override;
  std::vector<GroupLag> lag(const std::string& topic, const std::vector<GroupLagQuery>& groups) override;
  std::vector<GroupLag> lag_batch(const std::vector<LagQuery>& queries) override;
  void create_topic(const TopicSpec& spec) override;
  void create_topics(const std::vector<TopicSpec>& specs) override;
  void delete_topic(const std::string& topic) override;
  void delete_topics(const std::vector<std::string>& topics) override;
  void delete_group(const std::string& group) override;
  std::vector<std::string> list_groups(const std::string& prefix) override;
  std::vector<std::string> list_topics(const std::string& prefix) override;
  RetentionCheck retention_preflight(const std::string& topic, const StartFrom& start) override;

  const KafkaConnection& connection() const { return connection_; }

 private:
  struct TopicLayout {
    int32_t partitions = 0;
    int16_t replication_factor = 0;
    bool all_partitions_led = true;
  };

  // Metadata of one topic; throws UnknownTopic when it does not exist, or
  // with `wait_for_leaders`, waits (within the timeout) until it exists and
  // every partition has a leader.
  TopicLayout describe_topic(const std::string& topic, bool wait_for_leaders = false);
  TopicLayout describe_topic_once(const std::string& topic);
  // ListOffsets for every partition with one query timestamp (-1 latest,
  // -2 earliest, or a time).
  // `partitions` when the caller already knows the count (saves a metadata
  // request on the lag-polling path); 0 looks it up.
  PartitionOffsets list_offsets(const std::string& topic, int64_t query, int32_t partitions = 0);
  // topic -> (log-end offsets, log-start offsets)
  using TopicEnds = std::map<std::string, std::pair<PartitionOffsets, PartitionOffsets>>;
  TopicEnds topic_ends(const std::vector<LagQuery>& queries);
  static GroupLag group_lag(const LagQuery& query, const TopicEnds& ends,
                            const std::map<std::pair<std::string, int32_t>, int64_t>& committed);
  std::map<std::string, std::string> topic_configs(const std::string& topic);
  // An existing topic is success when it has the settings asked for, a
  // TopicConflict naming the differences otherwise.
  void check_existing_topic(const TopicSpec& spec);
  std::map<int32_t, int64_t> first_record_timestamps(const std::string& topic, const PartitionOffsets& at);
  rdkafka::AdminOptions options(rd_kafka_admin_op_t op);
  // Polls `queue` for one event until the deadline; throws Timeout naming `op`.
  rdkafka::Event wait_event(rdkafka::Queue& queue, const std::string& op);
  // Throws a KafkaError naming `op`; a Timeout after the broker refused our
  // credentials is reported as AuthenticationFailed with its reason.
  [[noreturn]] void fail(KafkaErrorKind kind, const std::string& op, const std::string& why) const;
  // librdkafka's error callback: remembers why authentication last failed
  // (requests behind a refused login only ever time out).
  static void on_client_error(rd_kafka_t* handle, int error, const char* reason, void* self);
  void answered();  // a request got an answer: no authentication failure now

  KafkaConnection connection_;
  mutable std::mutex auth_mutex_;
  std::string auth_failure_;  // "" when none since the last answer
  rdkafka::Handle handle_;
};

}  // namespace kappa::kafka
