#include "runtime/kafka_clients.h"

#include <spdlog/spdlog.h>

#include "core/errors.h"

namespace kappa::processor {

void KafkaLogBridge::event_cb(RdKafka::Event& event) {
  switch (event.type()) {
    case RdKafka::Event::EVENT_ERROR:
      if (event.fatal()) {
        spdlog::error("kafka: fatal error {}: {}", RdKafka::err2str(event.err()), event.str());
      } else {
        spdlog::warn("kafka: {}: {}", RdKafka::err2str(event.err()), event.str());
      }
      break;
    case RdKafka::Event::EVENT_LOG: {
      const auto severity = event.severity();
      const auto level = severity <= RdKafka::Event::EVENT_SEVERITY_ERROR     ? spdlog::level::err
                         : severity == RdKafka::Event::EVENT_SEVERITY_WARNING ? spdlog::level::warn
                         : severity <= RdKafka::Event::EVENT_SEVERITY_INFO    ? spdlog::level::info
                                                                             : spdlog::level::debug;
      spdlog::log(level, "kafka: {} {}", event.fac(), event.str());
      break;
    }
    case RdKafka::Event::EVENT_THROTTLE:
      spdlog::debug("kafka: throttled {} ms by broker {}", event.throttle_time(), event.broker_name());
      break;
    default:
      break;
  }
}

rdkafka::ConfPtr KafkaClients::build(const std::string& role, const kafka::Properties& defaults,
                                     const kafka::Properties& required) const {
  rdkafka::ConfPtr conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  std::string error;
  const auto set = [&](const std::string& name, const std::string& value, const char* origin) {
    if (conf->set(name, value, error) != RdKafka::Conf::CONF_OK) {
      // Never echo the value: it may be a secret.
      throw ConfigError(std::string(origin) + " Kafka property '" + name + "'", error);
    }
  };
  std::string client_id = "kappa-processor";
  if (!settings_.pipeline.empty()) client_id += "." + settings_.pipeline;
  if (!settings_.version.empty()) client_id += ".v" + settings_.version;
  client_id += "." + role;
  set("bootstrap.servers", settings_.bootstrap_servers, "KAFKA_BOOTSTRAP_SERVERS:");
  set("client.id", client_id, "processor");
  for (const auto& [name, value] : defaults) set(name, value, "processor default");
  for (const auto& [name, value] : settings_.kafka_properties) set(name, value, "user");
  for (const auto& [name, value] : required) set(name, value, "exactly-once");
  if (conf->set("event_cb", &log_bridge_, error) != RdKafka::Conf::CONF_OK) throw KafkaError(error);
  return conf;
}

std::unique_ptr<RdKafka::KafkaConsumer> KafkaClients::group_consumer(RdKafka::RebalanceCb& rebalance) const {
  kafka::Properties required = {
      {"group.id", settings_.consumer_group},
      {"enable.auto.commit", "false"},
      {"enable.auto.offset.store", "false"},
      {"isolation.level", "read_committed"},
      {"enable.partition.eof", "true"},
      // The rebalance handler is written for the eager protocol.
      {"partition.assignment.strategy", "range,roundrobin"},
  };
  if (settings_.static_membership) required.emplace_back("group.instance.id", settings_.instance_id);
  // queued.min.messages, queued.max.messages.kbytes: librdkafka 2.0 stops
  // fetching while this many records or kilobytes are queued and looks again
  // only about a second later. With the defaults (100000 records, 64 MB) a
  // replay drains the queue and then idles most of that second; a queue of
  // up to 128 MB outlasts the pause (it fills only while the lag is large).
  auto conf = build("consumer",
                    {{"session.timeout.ms", "10000"},
                     {"auto.offset.reset", "earliest"},
                     {"queued.min.messages", "1000000"},
                     {"queued.max.messages.kbytes", "131072"}},
                    required);
  std::string error;
  if (conf->set("rebalance_cb", &rebalance, error) != RdKafka::Conf::CONF_OK) throw KafkaError(error);
  std::unique_ptr<RdKafka::KafkaConsumer> consumer(RdKafka::KafkaConsumer::create(conf.get(), error));
  if (!consumer) throw KafkaError("cannot create the group consumer: " + error);
  return consumer;
}

std::unique_ptr<RdKafka::Producer> KafkaClients::transactional_producer() const {
  // retry.backoff.ms: a transaction begun right after a commit meets
  // CONCURRENT_TRANSACTIONS until the broker has written the markers; the
  // default 100 ms backoff would idle each commit that long.
  auto conf = build("producer",
                    {{"transaction.timeout.ms", "10000"},
                     {"partitioner", "murmur2_random"},
                     {"linger.ms", "5"},
                     {"retry.backoff.ms", "10"},
                     // A catch-up transaction writes two records per changed
                     // key (100 000 keys: 200 000 records) before it commits.
                     {"queue.buffering.max.messages", "1000000"}},
                    {{"transactional.id", transactional_id()}, {"enable.idempotence", "true"}});
  std::string error;
  std::unique_ptr<RdKafka::Producer> producer(RdKafka::Producer::create(conf.get(), error));
  if (!producer) throw KafkaError("cannot create the transactional producer: " + error);
  return producer;
}

std::unique_ptr<RdKafka::KafkaConsumer> KafkaClients::reader(const std::string& role, bool read_committed) const {
  // A reader learns it reached the end from an empty fetch: keep the
  // broker's wait for more data short.
  auto conf = build(role, {{"auto.offset.reset", "earliest"}, {"fetch.wait.max.ms", role == "restore" ? "10" : "100"}},
                    {
                        // The C++ consumer needs a group id; a reader never
                        // subscribes or commits, so the group stays empty.
                        {"group.id", settings_.consumer_group + ".reader"},
                        {"enable.auto.commit", "false"},
                        {"enable.auto.offset.store", "false"},
                        {"isolation.level", read_committed ? "read_committed" : "read_uncommitted"},
                        {"enable.partition.eof", "true"},
                    });
  std::string error;
  std::unique_ptr<RdKafka::KafkaConsumer> consumer(RdKafka::KafkaConsumer::create(conf.get(), error));
  if (!consumer) throw KafkaError("cannot create the " + role + " reader: " + error);
  return consumer;
}

}  // namespace kappa::processor
