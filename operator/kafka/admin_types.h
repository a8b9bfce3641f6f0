#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace kappa::kafka {

// partition -> offset
using PartitionOffsets = std::map<int32_t, int64_t>;

// Where a version's replay begins.
struct StartFrom {
  enum class Kind { Earliest, Latest, Timestamp };
  Kind kind = Kind::Earliest;
  int64_t timestamp_ms = 0;  // for Kind::Timestamp

  static StartFrom earliest() { return {Kind::Earliest, 0}; }
  static StartFrom latest() { return {Kind::Latest, 0}; }
  static StartFrom timestamp(int64_t ms) { return {Kind::Timestamp, ms}; }
};

struct TopicSpec {
  std::string name;
  int32_t partitions = 1;
  int16_t replication_factor = 1;
  // Topic configs; cleanup.policy defaults to "compact" (an output table).
  std::map<std::string, std::string> configs;
};

// One consumer group to measure, with the offsets its replay started from
// (what an uncommitted partition counts from).
struct GroupLagQuery {
  std::string group;
  PartitionOffsets start_offsets;
};

// One group's reading on many topics: a repartitioning version's group
// reads its input and its repartition topic.
struct LagQuery {
  struct Topic {
    std::string name;
    PartitionOffsets start_offsets;  // where its replay began; {} = the log start
  };
  std::string group;
  std::vector<Topic> topics;
};

struct PartitionLag {
  std::string topic;
  int32_t partition = 0;
  int64_t committed = -1;  // -1: the group has not committed this partition
  int64_t end = 0;         // log-end offset (high watermark)
  int64_t lag = 0;
};

struct GroupLag {
  std::string group;
  int64_t total = 0;
  std::vector<PartitionLag> partitions;
  std::optional<std::string> error;  // this group could not be measured
};

// What the retention preflight found for one partition.
struct RetentionGap {
  int32_t partition = 0;
  int64_t requested_offset = 0;      // where the replay needs to start (0 for earliest)
  int64_t earliest_available = 0;    // the log-start offset now
  int64_t first_available_timestamp_ms = -1;
};

struct RetentionCheck {
  bool sufficient = true;
  std::vector<RetentionGap> gaps;  // only partitions that lost data the replay needs
  std::string message;             // human-readable summary for a condition
};

}  // namespace kappa::kafka
