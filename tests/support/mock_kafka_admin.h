#pragma once
// A gmock KafkaAdmin, for tests that check which calls are made.
#include <gmock/gmock.h>

#include "kafka/kafka_admin.h"

namespace kappa::testing {

class MockKafkaAdmin : public kafka::KafkaAdmin {
 public:
  MOCK_METHOD(int32_t, partition_count, (const std::string&), (override));
  MOCK_METHOD(kafka::PartitionOffsets, end_offsets, (const std::string&), (override));
  MOCK_METHOD(kafka::PartitionOffsets, earliest_offsets, (const std::string&), (override));
  MOCK_METHOD(kafka::PartitionOffsets, offsets_for_time, (const std::string&, int64_t), (override));
  MOCK_METHOD(kafka::PartitionOffsets, start_offsets, (const std::string&, const kafka::StartFrom&), (override));
  MOCK_METHOD(std::vector<kafka::GroupLag>, lag, (const std::string&, const std::vector<kafka::GroupLagQuery>&),
              (override));
  MOCK_METHOD(std::vector<kafka::GroupLag>, lag_batch, (const std::vector<kafka::LagQuery>&), (override));
  MOCK_METHOD(void, create_topic, (const kafka::TopicSpec&), (override));
  MOCK_METHOD(void, delete_topic, (const std::string&), (override));
  MOCK_METHOD(void, delete_group, (const std::string&), (override));
  MOCK_METHOD(std::vector<std::string>, list_groups, (const std::string&), (override));
  MOCK_METHOD(std::vector<std::string>, list_topics, (const std::string&), (override));
  MOCK_METHOD(kafka::RetentionCheck, retention_preflight, (const std::string&, const kafka::StartFrom&), (override));
};

}  // namespace kappa::testing
