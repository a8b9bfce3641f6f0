// Every Kafka admin call through TimedKafkaAdmin is reported by operation,
// with the error kind when it throws, and passes its answer through.
#include "controllers/timed_kafka_admin.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/mock_kafka_admin.h"
#include "support/recording_controller_metrics.h"

namespace {

using kappa::kafka::KafkaError;
using kappa::kafka::KafkaErrorKind;
using ::testing::ElementsAre;
using ::testing::Return;
using ::testing::Throw;

using kappa::testing::MockKafkaAdmin;

TEST(TimedKafkaAdmin, ReportsEachCallByOperationAndPassesAnswersThrough) {
  auto inner = std::make_shared<MockKafkaAdmin>();
  auto metrics = std::make_shared<kappa::testing::RecordingControllerMetrics>();
  kappa::controllers::TimedKafkaAdmin admin(inner, metrics);
  EXPECT_CALL(*inner, list_groups("kappa.ns.p.")).WillOnce(Return(std::vector<std::string>{"kappa.ns.p.v1"}));
  EXPECT_CALL(*inner, create_topic(::testing::_));
  EXPECT_CALL(*inner, partition_count("events")).WillOnce(Return(6));

  EXPECT_THAT(admin.list_groups("kappa.ns.p."), ElementsAre("kappa.ns.p.v1"));
  admin.create_topic({"ns.p.v1", 1, 1, {}});
  EXPECT_EQ(admin.partition_count("events"), 6);
  EXPECT_THAT(metrics->lines(), ElementsAre("kafka list_groups ok", "kafka create_topic ok", "kafka partition_count ok"));
}

TEST(TimedKafkaAdmin, AFailedCallIsReportedWithItsKindAndStillThrows) {
  auto inner = std::make_shared<MockKafkaAdmin>();
  auto metrics = std::make_shared<kappa::testing::RecordingControllerMetrics>();
  kappa::controllers::TimedKafkaAdmin admin(inner, metrics);
  EXPECT_CALL(*inner, partition_count("missing"))
      .WillOnce(Throw(KafkaError(KafkaErrorKind::UnknownTopic, "no such topic")));
  EXPECT_CALL(*inner, delete_group("g")).WillOnce(Throw(std::runtime_error("bug")));

  EXPECT_THROW(admin.partition_count("missing"), KafkaError);
  EXPECT_THROW(admin.delete_group("g"), std::runtime_error);
  EXPECT_THAT(metrics->lines(), ElementsAre("kafka partition_count UnknownTopic", "kafka delete_group Other"));
}

}  // namespace
