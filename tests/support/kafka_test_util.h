#pragma once
// Producing and consuming test records on the stack's broker with the
// librdkafka C++ API.
#include <gtest/gtest.h>
#include <librdkafka/rdkafkacpp.h>

#include "kappa/common/rdkafka_handles.h"

#include <map>
#include <memory>
#include <string>

namespace kappa::testing {

inline std::unique_ptr<RdKafka::Conf> kafka_conf(const std::map<std::string, std::string>& properties) {
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  std::string error;
  for (const auto& [key, value] : properties) {
    if (conf->set(key, value, error) != RdKafka::Conf::CONF_OK) ADD_FAILURE() << key << ": " << error;
  }
  return conf;
}

// Produces `count` records to one partition with the given timestamp (0 =
// now), and waits until all are acknowledged.
inline void produce(const std::string& bootstrap, const std::string& topic, int32_t partition, int count,
                    int64_t timestamp_ms = 0) {
  std::string error;
  std::unique_ptr<RdKafka::Producer> producer(
      RdKafka::Producer::create(kafka_conf({{"bootstrap.servers", bootstrap}}).get(), error));
  ASSERT_TRUE(producer) << error;
  for (int i = 0; i < count; ++i) {
    const std::string value = "v" + std::to_string(i);
    RdKafka::ErrorCode code;
    while ((code = producer->produce(topic, partition, RdKafka::Producer::RK_MSG_COPY,
                                     const_cast<char*>(value.data()), value.size(), nullptr, 0, timestamp_ms,
                                     nullptr)) == RdKafka::ERR__QUEUE_FULL) {
      producer->poll(50);
    }
    ASSERT_EQ(code, RdKafka::ERR_NO_ERROR) << RdKafka::err2str(code);
  }
  ASSERT_EQ(producer->flush(30000), RdKafka::ERR_NO_ERROR);
}

// Moves a partition's log-start offset as retention would (DeleteRecords).
inline void delete_records_before(const std::string& bootstrap, const std::string& topic, int32_t partition,
                                  int64_t offset) {
  namespace rk = kappa::rdkafka;
  auto handle = rk::make_handle(RD_KAFKA_PRODUCER, rk::make_conf({{"bootstrap.servers", bootstrap}}));
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(list, topic.c_str(), partition)->offset = offset;
  rd_kafka_DeleteRecords_t* request = rd_kafka_DeleteRecords_new(list);
  rd_kafka_topic_partition_list_destroy(list);
  rk::Queue queue(rd_kafka_queue_new(handle.get()));
  rd_kafka_DeleteRecords(handle.get(), &request, 1, nullptr, queue.get());
  rd_kafka_DeleteRecords_destroy(request);
  rk::Event event(rd_kafka_queue_poll(queue.get(), 15000));
  ASSERT_TRUE(event);
  ASSERT_FALSE(rd_kafka_event_error(event.get())) << rd_kafka_event_error_string(event.get());
}

}  // namespace kappa::testing
