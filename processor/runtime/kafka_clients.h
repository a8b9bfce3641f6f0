#pragma once
// Builds the processor's Kafka clients from the settings: the group
// consumer, the transactional producer and assign-only readers (state
// restore, serving table, admin). Properties are layered: the processor's
// defaults, then the user's (KAFKA_PROP_*, file, --kafka-prop), then what
// exactly-once needs, which the user cannot override.
#include <librdkafka/rdkafkacpp.h>

#include <memory>
#include <string>

#include "core/settings.h"
#include "kappa/common/kafka_properties.h"
#include "kappa/common/rdkafka_cpp_handles.h"

namespace kappa::processor {

// Routes librdkafka's logs and client errors into spdlog.
class KafkaLogBridge : public RdKafka::EventCb {
 public:
  void event_cb(RdKafka::Event& event) override;
};

class KafkaClients {
 public:
  explicit KafkaClients(const Settings& settings) : settings_(settings) {}
  KafkaClients(const KafkaClients&) = delete;
  KafkaClients& operator=(const KafkaClients&) = delete;

  // Member of the consumer group; `rebalance` handles its assignments.
  std::unique_ptr<RdKafka::KafkaConsumer> group_consumer(RdKafka::RebalanceCb& rebalance) const;
  // Producer with transactional.id <group>.<instance id>.
  std::unique_ptr<RdKafka::Producer> transactional_producer() const;
  // A read_committed consumer that only ever assign()s partitions: never
  // joins a group, never commits. `role` names it in logs and client ids.
  // With `read_committed` false it reads uncommitted (its end offsets are
  // the high watermarks, not the last stable offsets).
  std::unique_ptr<RdKafka::KafkaConsumer> reader(const std::string& role, bool read_committed = true) const;

  const Settings& settings() const { return settings_; }
  std::string transactional_id() const { return settings_.consumer_group + "." + settings_.instance_id; }

 private:
  rdkafka::ConfPtr build(const std::string& role, const kafka::Properties& defaults,
                         const kafka::Properties& required) const;

  const Settings& settings_;
  mutable KafkaLogBridge log_bridge_;
};

}  // namespace kappa::processor
