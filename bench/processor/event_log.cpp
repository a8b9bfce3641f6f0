// The replay benchmark's data: creates the input topic (and the contenders'
// output tables) and produces N user-activity events keyed by user_id, or
// deletes what a run made. Deterministic: the same flags give the same log.
//
//   replay_event_log produce --topic T --events N [--users U] [--partitions P] [--table T2]...
//   replay_event_log delete --topic T... [--group G]...
#include <CLI/CLI.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "kafka/rdkafka_admin.h"
#include "kappa/common/rdkafka_handles.h"
#include "user_activity.h"

namespace {

namespace rk = kappa::rdkafka;
using namespace std::chrono_literals;

std::atomic<int64_t> delivery_failures{0};

void on_delivery(rd_kafka_t*, const rd_kafka_message_t* message, void*) {
  if (message->err && delivery_failures.fetch_add(1) == 0) {
    std::fprintf(stderr, "replay_event_log: delivery failed: %s\n", rd_kafka_err2str(message->err));
  }
}

void produce(const std::string& bootstrap, const std::string& topic, int64_t events, int users) {
  auto conf = rk::make_conf({{"bootstrap.servers", bootstrap},
                             {"linger.ms", "50"},
                             {"batch.size", "1000000"},
                             {"compression.type", "lz4"},
                             {"queue.buffering.max.messages", "500000"},
                             {"partitioner", "murmur2_random"}});
  rd_kafka_conf_set_dr_msg_cb(conf.get(), on_delivery);
  auto producer = rk::make_handle(RD_KAFKA_PRODUCER, std::move(conf));
  kappa::bench::UserActivity log(users);
  std::string_view key, value;
  for (int64_t i = 0; i < events; ++i) {
    log.event(i, key, value);
    while (true) {
      const auto err = rd_kafka_producev(producer.get(), RD_KAFKA_V_TOPIC(topic.c_str()),
                                         RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                         RD_KAFKA_V_KEY(key.data(), key.size()),
                                         RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()), RD_KAFKA_V_END);
      if (err == RD_KAFKA_RESP_ERR_NO_ERROR) break;
      if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        std::fprintf(stderr, "replay_event_log: produce: %s\n", rd_kafka_err2str(err));
        std::exit(1);
      }
      rd_kafka_poll(producer.get(), 100);  // the queue drains as batches are acknowledged
    }
    rd_kafka_poll(producer.get(), 0);
  }
  if (rd_kafka_flush(producer.get(), 120000) != RD_KAFKA_RESP_ERR_NO_ERROR || delivery_failures > 0) {
    std::fprintf(stderr, "replay_event_log: %lld events not delivered\n",
                 static_cast<long long>(delivery_failures + rd_kafka_outq_len(producer.get())));
    std::exit(1);
  }
}

}  // namespace

int main(int argc, char** argv) {
  const char* bootstrap = std::getenv("KAFKA_BOOTSTRAP_SERVERS");
  if (!bootstrap) {
    std::fprintf(stderr, "replay_event_log: KAFKA_BOOTSTRAP_SERVERS is unset\n");
    return 2;
  }
  CLI::App app{"The replay benchmark's event log"};
  app.require_subcommand(1);
  std::string topic;
  int64_t events = 0;
  int users = 100000, partitions = 6;
  std::vector<std::string> tables, topics, groups;
  auto* produce_cmd = app.add_subcommand("produce", "create the topics and produce the events");
  produce_cmd->add_option("--topic", topic, "input topic")->required();
  produce_cmd->add_option("--events", events, "number of events")->required()->check(CLI::PositiveNumber);
  produce_cmd->add_option("--users", users, "distinct user_id keys")->check(CLI::PositiveNumber);
  produce_cmd->add_option("--partitions", partitions, "partitions of every topic")->check(CLI::PositiveNumber);
  produce_cmd->add_option("--table", tables, "an output table (compacted) to create");
  auto* delete_cmd = app.add_subcommand("delete", "delete topics and consumer groups");
  delete_cmd->add_option("--topic", topics, "topic to delete");
  delete_cmd->add_option("--group", groups, "consumer group to delete");
  CLI11_PARSE(app, argc, argv);

  try {
    kappa::kafka::KafkaConnection connection;
    connection.bootstrap_servers = bootstrap;
    connection.timeout = 60s;
    kappa::kafka::RdKafkaAdmin admin(connection);
    if (*produce_cmd) {
      admin.create_topic({topic, partitions, 1, {{"cleanup.policy", "delete"}, {"retention.ms", "-1"}}});
      for (const auto& table : tables) admin.create_topic({table, partitions, 1, {{"cleanup.policy", "compact"}}});
      const auto start = std::chrono::steady_clock::now();
      produce(bootstrap, topic, events, users);
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      std::fprintf(stderr, "replay_event_log: %lld events to %s in %.1f s (%.0f/s)\n", static_cast<long long>(events),
                   topic.c_str(), seconds, static_cast<double>(events) / seconds);
    } else {
      for (const auto& group : groups) admin.delete_group(group);
      for (const auto& t : topics) admin.delete_topic(t);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "replay_event_log: %s\n", e.what());
    return 1;
  }
  return 0;
}
