#pragma once
// Topic metadata, creation and offsets through librdkafka (the Admin API
// is C only in 2.0.2).
#include <librdkafka/rdkafkacpp.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/settings.h"

namespace kappa::processor {

struct TopicLayout {
  bool exists = false;
  int partitions = 0;
};

// Throws KafkaError when the cluster does not answer within `timeout`.
TopicLayout describe_topic(RdKafka::Handle& handle, const std::string& topic, std::chrono::milliseconds timeout);

// Creates a topic with `configs` (e.g. cleanup.policy=compact); an existing
// topic is success. replication_factor -1 takes the broker's default.
void create_topic(RdKafka::Handle& handle, const std::string& topic, int partitions, int replication_factor,
                  const std::vector<std::pair<std::string, std::string>>& configs, std::chrono::milliseconds timeout);

struct Watermarks {
  int64_t low = 0;
  int64_t high = 0;  // for a read_committed client: the last stable offset
};

// Asks the partition leaders. Throws KafkaError on failure.
Watermarks query_watermarks(RdKafka::KafkaConsumer& consumer, const std::string& topic, int32_t partition,
                            std::chrono::milliseconds timeout);

// Waits until no transaction is open in any partition of `topic`: its last
// stable offsets (read by `committed`, a read_committed client) reach its
// high watermarks (read by `uncommitted`). commit_transaction returns
// before the coordinator has written the commit markers into the
// partitions; until it has, a read_committed end offset is still short.
// Throws KafkaError when that does not happen within `timeout`.
void wait_until_stable(RdKafka::KafkaConsumer& committed, RdKafka::KafkaConsumer& uncommitted,
                       const std::string& topic, int32_t partitions, std::chrono::milliseconds timeout);

// Where `partition` of the input starts when the group has no committed
// offset for it (KAPPA_START_FROM). Throws KafkaError.
int64_t start_offset(RdKafka::KafkaConsumer& reader, const Settings& settings, int32_t partition);

}  // namespace kappa::processor
