// The upper bound of the replay benchmark: a librdkafka consumer in a fresh
// group that reads the topic from the beginning up to the end offsets seen
// at start and only counts the records. The same client API (batches of
// 1000 from rd_kafka_consume_batch_queue) and consumer settings (the queue
// sizes too) as kappa-processor's group consumer, so the gap between the two
// is the processor's own work.
//
//   replay_bare_loop --topic T --group G      prints the number of records
#include <CLI/CLI.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>

#include "kafka/rdkafka_admin.h"
#include "kappa/common/rdkafka_cpp_handles.h"
#include "kappa/common/rdkafka_handles.h"

namespace {

namespace rk = kappa::rdkafka;
using namespace std::chrono_literals;

std::unique_ptr<RdKafka::KafkaConsumer> make_consumer(const std::string& bootstrap, const std::string& group) {
  rk::ConfPtr conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  std::string error;
  for (const auto& [name, value] : std::map<std::string, std::string>{
           {"bootstrap.servers", bootstrap},
           {"group.id", group},
           {"enable.auto.commit", "false"},
           {"enable.auto.offset.store", "false"},
           {"isolation.level", "read_committed"},
           {"enable.partition.eof", "true"},
           {"partition.assignment.strategy", "range,roundrobin"},
           {"session.timeout.ms", "10000"},
           {"auto.offset.reset", "earliest"},
           {"queued.min.messages", "1000000"},
           {"queued.max.messages.kbytes", "131072"}}) {
    if (conf->set(name, value, error) != RdKafka::Conf::CONF_OK) throw std::runtime_error(name + ": " + error);
  }
  std::unique_ptr<RdKafka::KafkaConsumer> consumer(RdKafka::KafkaConsumer::create(conf.get(), error));
  if (!consumer) throw std::runtime_error("cannot create the consumer: " + error);
  return consumer;
}

}  // namespace

int main(int argc, char** argv) {
  const char* bootstrap = std::getenv("KAFKA_BOOTSTRAP_SERVERS");
  if (!bootstrap) {
    std::fprintf(stderr, "replay_bare_loop: KAFKA_BOOTSTRAP_SERVERS is unset\n");
    return 2;
  }
  CLI::App app{"Count a topic's records up to its end offsets (the replay upper bound)"};
  std::string topic, group;
  app.add_option("--topic", topic, "topic to read")->required();
  app.add_option("--group", group, "a fresh consumer group")->required();
  CLI11_PARSE(app, argc, argv);

  try {
    kappa::kafka::KafkaConnection connection;
    connection.bootstrap_servers = bootstrap;
    connection.timeout = 30s;
    // Partition -> end offset still to reach; a partition leaves the map
    // once every record before its end offset has been seen.
    auto remaining = kappa::kafka::RdKafkaAdmin(connection).end_offsets(topic);
    std::erase_if(remaining, [](const auto& entry) { return entry.second <= 0; });

    auto consumer = make_consumer(bootstrap, group);
    if (const auto code = consumer->subscribe({topic}); code != RdKafka::ERR_NO_ERROR) {
      throw std::runtime_error("subscribe: " + RdKafka::err2str(code));
    }
    int64_t records = 0;
    const auto reached = [&](int32_t partition, int64_t next_offset) {
      const auto found = remaining.find(partition);
      if (found != remaining.end() && next_offset >= found->second) remaining.erase(found);
    };
    rk::Queue queue(rd_kafka_queue_get_consumer(consumer->c_ptr()));
    std::array<rd_kafka_message_t*, 1000> batch{};
    while (!remaining.empty()) {
      const auto received = rd_kafka_consume_batch_queue(queue.get(), 100, batch.data(), batch.size());
      std::string error;
      for (ssize_t i = 0; i < received; ++i) {
        const rd_kafka_message_t& message = *batch[i];
        if (message.err == RD_KAFKA_RESP_ERR_NO_ERROR) {
          ++records;
          reached(message.partition, message.offset + 1);
        } else if (message.err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
          reached(message.partition, message.offset);
        } else if (error.empty()) {
          error = rd_kafka_message_errstr(&message);
        }
        rd_kafka_message_destroy(batch[i]);
      }
      if (received < 0) error = rd_kafka_err2str(rd_kafka_last_error());
      if (!error.empty()) throw std::runtime_error("consume: " + error);
    }
    consumer->close();
    std::printf("%lld\n", static_cast<long long>(records));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "replay_bare_loop: %s\n", e.what());
    return 1;
  }
  return 0;
}
