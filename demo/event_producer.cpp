// kappa-demo-events: user-activity events at a steady rate, for `make demo`.
// Creates the topic when missing, then produces JSON events
// {user_id, revenue, session_id} keyed by user_id (the reference processor
// needs input keyed by the view key) until stopped or --count is reached.
#include <csignal>
#include <cstdio>
#include <memory>
#include <random>
#include <string>
#include <thread>

#include <CLI/CLI.hpp>
#include <librdkafka/rdkafkacpp.h>
#include <nlohmann/json.hpp>

#include "kafka/kafka_error.h"
#include "kafka/rdkafka_admin.h"
#include "kappa/common/rdkafka_cpp_handles.h"

namespace {

volatile std::sig_atomic_t g_stop = 0;
void on_signal(int) { g_stop = 1; }

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"kappa-demo-events: user-activity events at a steady rate"};
  std::string bootstrap, topic = "user-activity";
  int partitions = 3, users = 100, rate = 200;
  long long count = 0, preload = 0;
  app.add_option("--bootstrap-servers", bootstrap, "Kafka bootstrap servers")->required();
  app.add_option("--topic", topic, "input topic (created when missing)");
  app.add_option("--partitions", partitions, "partitions of a created topic")->check(CLI::Range(1, 1000));
  app.add_option("--users", users, "distinct user_id values")->check(CLI::Range(1, 10000000));
  app.add_option("--rate", rate, "events per second")->check(CLI::Range(1, 1000000));
  app.add_option("--count", count, "stop after this many events (0: run until stopped)");
  app.add_option("--preload", preload, "first produce this many events as fast as possible (history to replay)");
  CLI11_PARSE(app, argc, argv);

  try {
    kappa::kafka::KafkaConnection connection;
    connection.bootstrap_servers = bootstrap;
    kappa::kafka::RdKafkaAdmin(connection).create_topic({topic, partitions, 1, {{"cleanup.policy", "delete"}}});
  } catch (const kappa::kafka::KafkaError& e) {
    if (e.kind() != kappa::kafka::KafkaErrorKind::TopicConflict) {  // an existing topic of another shape is fine
      std::fprintf(stderr, "kappa-demo-events: %s\n", e.what());
      return 1;
    }
  }
  std::string error;
  kappa::rdkafka::ConfPtr conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  conf->set("bootstrap.servers", bootstrap, error);
  conf->set("linger.ms", "20", error);
  std::unique_ptr<RdKafka::Producer> producer(RdKafka::Producer::create(conf.get(), error));
  if (!producer) {
    std::fprintf(stderr, "kappa-demo-events: %s\n", error.c_str());
    return 1;
  }
  std::signal(SIGTERM, on_signal);
  std::signal(SIGINT, on_signal);

  std::mt19937 rng(42);
  std::uniform_int_distribution<int> user(1, users), cents(0, 9999), session(1, 5);
  auto start = std::chrono::steady_clock::now();
  long long sent = 0;
  while (!g_stop && (count == 0 || sent < count)) {
    // Paced against the start time, so the rate holds on average whatever
    // each send costs.
    if (sent >= preload) {
      const auto due = start + std::chrono::microseconds((sent - preload) * 1000000LL / rate);
      std::this_thread::sleep_until(due);
    }
    const std::string key = "u-" + std::to_string(user(rng));
    const std::string value = nlohmann::json{{"user_id", key},
                                             {"revenue", cents(rng) / 100.0},
                                             {"session_id", key + "-s" + std::to_string(session(rng))}}
                                  .dump();
    RdKafka::ErrorCode code;
    while ((code = producer->produce(topic, RdKafka::Topic::PARTITION_UA, RdKafka::Producer::RK_MSG_COPY,
                                     const_cast<char*>(value.data()), value.size(), key.data(), key.size(), 0,
                                     nullptr)) == RdKafka::ERR__QUEUE_FULL) {
      producer->poll(50);
    }
    if (code != RdKafka::ERR_NO_ERROR) {
      std::fprintf(stderr, "kappa-demo-events: produce: %s\n", RdKafka::err2str(code).c_str());
      return 1;
    }
    producer->poll(0);
    if (++sent == preload) {
      producer->flush(30000);
      start = std::chrono::steady_clock::now();  // the steady rate starts now
    }
  }
  producer->flush(10000);
  std::printf("kappa-demo-events: %lld events produced to %s\n", sent, topic.c_str());
  std::fflush(stdout);
  return 0;
}
