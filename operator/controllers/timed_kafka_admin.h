#pragma once
#include <memory>
#include <string>
#include <vector>

#include "controllers/controller_metrics.h"
#include "kafka/kafka_admin.h"

namespace kappa::controllers {

// A KafkaAdmin that reports each call's latency and failure, by operation
// (the method's name), to ControllerMetrics and otherwise passes through:
// every Kafka admin call the controllers make goes through one of these.
class TimedKafkaAdmin final : public kafka::KafkaAdmin {
 public:
  TimedKafkaAdmin(std::shared_ptr<kafka::KafkaAdmin> inner, std::shared_ptr<ControllerMetrics> metrics);

  int32_t partition_count(const std::string& topic) override;
  kafka::PartitionOffsets end_offsets(const std::string& topic) override;
  kafka::PartitionOffsets earliest_offsets(const std::string& topic) override;
  kafka::PartitionOffsets offsets_for_time(const std::string& topic, int64_t timestamp_ms) override;
  kafka::PartitionOffsets start_offsets(const std::string& topic, const kafka::StartFrom& start) override;
  std::vector<kafka::GroupLag> lag(const std::string& topic, const std::vector<kafka::GroupLagQuery>& groups) override;
  std::vector<kafka::GroupLag> lag_batch(const std::vector<kafka::LagQuery>& queries) override;
  void create_topic(const kafka::TopicSpec& spec) override;
  void create_topics(const std::vector<kafka::TopicSpec>& specs) override;
  void delete_topic(const std::string& topic) override;
  void delete_topics(const std::vector<std::string>& topics) override;
  void delete_group(const std::string& group) override;
  std::vector<std::string> list_groups(const std::string& prefix) override;
  std::vector<std::string> list_topics(const std::string& prefix) override;
  kafka::RetentionCheck retention_preflight(const std::string& topic, const kafka::StartFrom& start) override;

 private:
  template <typename Call>
  auto timed(const char* operation, Call&& call) -> decltype(call());

  std::shared_ptr<kafka::KafkaAdmin> inner_;
  std::shared_ptr<ControllerMetrics> metrics_;
};

}  // namespace kappa::controllers
