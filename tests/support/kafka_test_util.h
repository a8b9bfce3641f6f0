#pragma once
// Producing and consuming test records on the stack's broker with the
// librdkafka C++ API.
#include <gtest/gtest.h>
#include <librdkafka/rdkafkacpp.h>

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

}  // namespace kappa::testing
