// Smoke test of the real Kafka broker with librdkafka: 10,000 records over
// several partitions are produced, consumed back in a consumer group, and
// the group's committed offsets are read back from the broker.
#include <gtest/gtest.h>
#include <librdkafka/rdkafkacpp.h>

#include <map>
#include <memory>
#include <set>

#include "kafka/rdkafka_admin.h"
#include "support/kafka_test_util.h"
#include "support/kube_test_client.h"
#include "support/stack_env.h"

namespace {

using namespace std::chrono_literals;

constexpr int kPartitions = 4;
constexpr int kRecords = 10000;

// Creates `topic` with the operator's own Kafka admin; returns the error
// text or an empty string.
std::string create_topic(const std::string& bootstrap, const std::string& topic) {
  try {
    kappa::kafka::KafkaConnection connection;
    connection.bootstrap_servers = bootstrap;
    kappa::kafka::RdKafkaAdmin(connection).create_topic({topic, kPartitions, 1, {{"cleanup.policy", "delete"}}});
    return {};
  } catch (const std::exception& e) {
    return e.what();
  }
}

std::vector<RdKafka::TopicPartition*> partitions_of(const std::string& topic) {
  std::vector<RdKafka::TopicPartition*> out;
  for (int p = 0; p < kPartitions; ++p) out.push_back(RdKafka::TopicPartition::create(topic, p));
  return out;
}

TEST(KafkaSmoke, ProduceConsumeAndCommitInAGroup) {
  KAPPA_NEEDS_STACK();
  const std::string bootstrap = kappa::testing::stack_env().kafka_bootstrap;
  const std::string topic = kappa::testing::unique_name("smoke-events");
  const std::string group = kappa::testing::unique_name("smoke-group");
  ASSERT_EQ(create_topic(bootstrap, topic), "");

  // Produce with keys so records spread over every partition.
  std::string error;
  std::unique_ptr<RdKafka::Producer> producer(RdKafka::Producer::create(
      kappa::testing::kafka_conf({{"bootstrap.servers", bootstrap}, {"enable.idempotence", "true"}}).get(), error));
  ASSERT_TRUE(producer) << error;
  for (int i = 0; i < kRecords; ++i) {
    const std::string key = "user-" + std::to_string(i % 97);
    const std::string value = std::to_string(i);
    RdKafka::ErrorCode code;
    while ((code = producer->produce(topic, RdKafka::Topic::PARTITION_UA, RdKafka::Producer::RK_MSG_COPY,
                                     const_cast<char*>(value.data()), value.size(), key.data(),
                                     key.size(), 0, nullptr)) == RdKafka::ERR__QUEUE_FULL) {
      producer->poll(100);
    }
    ASSERT_EQ(code, RdKafka::ERR_NO_ERROR) << RdKafka::err2str(code);
  }
  ASSERT_EQ(producer->flush(30000), RdKafka::ERR_NO_ERROR) << "records not delivered within 30 s";

  // Consume every record in a group and commit synchronously.
  const auto consumer_conf = kappa::testing::kafka_conf({{"bootstrap.servers", bootstrap},
                                      {"group.id", group},
                                      {"auto.offset.reset", "earliest"},
                                      {"enable.auto.commit", "false"}});
  std::unique_ptr<RdKafka::KafkaConsumer> consumer(RdKafka::KafkaConsumer::create(consumer_conf.get(), error));
  ASSERT_TRUE(consumer) << error;
  ASSERT_EQ(consumer->subscribe({topic}), RdKafka::ERR_NO_ERROR);
  std::set<int> seen;
  std::set<int> partitions_seen;
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (static_cast<int>(seen.size()) < kRecords && std::chrono::steady_clock::now() < deadline) {
    std::unique_ptr<RdKafka::Message> message(consumer->consume(500));
    if (message->err() == RdKafka::ERR__TIMED_OUT || message->err() == RdKafka::ERR__PARTITION_EOF) continue;
    ASSERT_EQ(message->err(), RdKafka::ERR_NO_ERROR) << message->errstr();
    seen.insert(std::stoi(std::string(static_cast<const char*>(message->payload()), message->len())));
    partitions_seen.insert(message->partition());
  }
  ASSERT_EQ(static_cast<int>(seen.size()), kRecords) << "not every record came back within 60 s";
  EXPECT_EQ(static_cast<int>(partitions_seen.size()), kPartitions);
  ASSERT_EQ(consumer->commitSync(), RdKafka::ERR_NO_ERROR);
  consumer->close();

  // A separate client of the same group reads the committed offsets from the
  // broker: they must sum to every record and match each partition's end.
  std::unique_ptr<RdKafka::KafkaConsumer> reader(RdKafka::KafkaConsumer::create(consumer_conf.get(), error));
  ASSERT_TRUE(reader) << error;
  auto partitions = partitions_of(topic);
  ASSERT_EQ(reader->committed(partitions, 10000), RdKafka::ERR_NO_ERROR);
  int64_t committed_total = 0;
  for (auto* tp : partitions) {
    int64_t low = 0, high = 0;
    ASSERT_EQ(reader->query_watermark_offsets(topic, tp->partition(), &low, &high, 10000), RdKafka::ERR_NO_ERROR);
    EXPECT_EQ(tp->offset(), high) << "partition " << tp->partition() << " committed offset is not its end";
    committed_total += tp->offset();
  }
  EXPECT_EQ(committed_total, kRecords);
  RdKafka::TopicPartition::destroy(partitions);
  reader->close();
}

}  // namespace
