#pragma once
// Everything a processor run is told from outside: the processor contract's
// environment (docs/processor-contract.md), which command-line flags may override.
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "kappa/common/kafka_properties.h"

namespace kappa::processor {

// An offset per input partition, e.g. a Lambda generation's snapshot.
using PartitionOffsets = std::map<std::int32_t, std::int64_t>;

// A JSON object of partition -> offset, {"0": 120, "1": 98}: every key a
// partition number, every value an offset (>= 0), at least one. Throws
// ConfigError naming `setting`.
PartitionOffsets parse_partition_offsets(const std::string& setting, const std::string& text);

// Checks that `offsets` names exactly partitions 0 .. partitions-1 of the
// input; throws ConfigError naming `setting` otherwise.
void check_partitions(const std::string& setting, const PartitionOffsets& offsets, std::int32_t partitions);

// Where a partition without a committed offset in the group starts.
struct StartFrom {
  enum class Kind { Earliest, Latest, Timestamp, Offsets };
  Kind kind = Kind::Earliest;
  std::int64_t timestamp_ms = 0;  // Kind::Timestamp: epoch milliseconds
  PartitionOffsets offsets;       // Kind::Offsets: exactly these (a Lambda speed layer's snapshot)

  // "earliest", "latest" (any case), epoch milliseconds, or a JSON object
  // of partition offsets. Throws ConfigError naming KAPPA_START_FROM.
  static StartFrom parse(const std::string& text);
  std::string describe() const;
};

struct Settings {
  std::string bootstrap_servers;
  std::string pipeline;
  std::string version;
  std::string input_topic;
  std::string consumer_group;
  std::string output_topic;
  std::string state_topic;  // default: <output_topic>.state
  StartFrom start_from;
  std::string config_json;  // the view definition (KAPPA_CONFIG)
  std::string bind_address = "0.0.0.0";
  int serving_port = 8080;
  bool bounded = false;
  // Bounded mode only: stop at these offsets (a Lambda batch run's snapshot,
  // taken by the operator) instead of the end offsets seen at start.
  std::optional<PartitionOffsets> stop_at;
  // Set for a Lambda speed layer: the state changelog of its generation's
  // batch run. It then serves merge(batch, speed) per key (core/merged_view.h)
  // and starts at the snapshot (start_from holds its partition offsets).
  std::string batch_state_topic;
  // KAPPA_INPUT_KEYING=Any: the input's records may have any Kafka key (or
  // none); they are routed by view key through this topic first
  // (runtime/repartitioner.h). Empty: each record's key is its view key.
  std::string repartition_topic;
  // How often a stream run's routing stage deletes the repartition topic's
  // records below the folding stage's committed offsets (as Kafka Streams'
  // repartition.purge.interval.ms).
  std::chrono::milliseconds repartition_purge_interval{30000};
  // Stable identity of this replica: transactional.id = <group>.<instance_id>
  // (and group.instance.id with static membership). Default: $HOSTNAME.
  std::string instance_id;
  bool static_membership = false;
  bool create_output_topic = false;
  int state_replication_factor = -1;  // -1: the broker's default
  // Transaction limits when caught up: short, for fresh output rows.
  std::chrono::milliseconds commit_interval{100};
  std::size_t max_transaction_records = 5000;
  // Transaction limits while catching up (bounded mode always; stream mode
  // while the lag of the assigned partitions is at least catch_up_lag): long
  // transactions fold many events of a key into one output row each.
  std::chrono::milliseconds catch_up_commit_interval{5000};
  std::size_t catch_up_max_transaction_records = 5000000;
  std::int64_t catch_up_lag = 100000;  // 0: never in stream mode
  std::chrono::milliseconds startup_timeout{30000};
  kafka::Properties kafka_properties;  // env KAFKA_PROP_*, then the file, then --kafka-prop
  // Testing only: abort every Nth transaction after its writes (0: never),
  // to exercise the abort-and-rewind path.
  std::size_t fault_abort_every = 0;
  std::string log_level = "info";
};

// "<group>-kappa-repartition": named from the group, as Kafka Streams names
// its internal topics, so that the operator deletes it with the group.
inline std::string repartition_topic_of(const std::string& consumer_group) {
  return consumer_group + "-kappa-repartition";
}

// Reads flags over the environment (`environment` as in `environ`). Returns
// nullopt when --help or --version was printed (exit 0). Throws ConfigError
// naming the setting for a missing or invalid one.
std::optional<Settings> parse_command_line(int argc, const char* const* argv, char** environment);

}  // namespace kappa::processor
