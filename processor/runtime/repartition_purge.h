#pragma once
// Purging the repartition topic. Its records below the offsets the folding
// stage committed are never read again (a restart restores state from the
// changelog and resumes at the committed offsets), so they are deleted
// (DeleteRecords), as Kafka Streams purges its repartition topics: the
// topic then holds about one commit interval of records, not the whole
// input a second time.
#include <librdkafka/rdkafkacpp.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <string>

namespace kappa::processor {

class RepartitionPurge {
 public:
  // `handle`: any client of the cluster (the admin calls take no group
  // membership); `group` is the one both stages commit in.
  RepartitionPurge(RdKafka::Handle& handle, std::string group, std::string topic, int32_t partitions,
                   std::chrono::milliseconds timeout);

  // Deletes the records below the group's committed offsets on the topic,
  // in the partitions where those moved since the last purge. Returns how
  // many partitions it purged. A refusal or no answer is logged and
  // returns 0 (the next purge tries again): a purge is housekeeping, never
  // a reason to stop processing.
  int run();

 private:
  std::map<int32_t, int64_t> committed();
  int delete_below(const std::map<int32_t, int64_t>& offsets);

  RdKafka::Handle& handle_;
  const std::string group_, topic_;
  const int32_t partitions_;
  const std::chrono::milliseconds timeout_;
  std::map<int32_t, int64_t> purged_;  // partition -> offset the last purge deleted below
};

}  // namespace kappa::processor
