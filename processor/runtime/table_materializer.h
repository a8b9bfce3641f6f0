#pragma once
// Reads a whole compacted topic into what the processor serves: a
// read_committed reader assigned every partition from the beginning, outside
// any group, handing each keyed record to a sink (the output topic's rows to
// the ServingTable; in a Lambda speed layer, the batch and speed state
// changelogs to the MergedView). Caught up once every partition has been
// read to the end offset it had when the materializer started.
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include "runtime/kafka_clients.h"

namespace kappa::processor {

class TableMaterializer {
 public:
  // A record of the topic: its key, and its value (nullptr: a tombstone).
  // May throw std::exception: the record is skipped with a warning.
  using Sink = std::function<void(const std::string& key, const char* value, std::size_t size)>;

  TableMaterializer(const KafkaClients& clients, std::string topic, Sink sink);
  ~TableMaterializer();
  TableMaterializer(const TableMaterializer&) = delete;
  TableMaterializer& operator=(const TableMaterializer&) = delete;

  // Snapshots the end offsets and starts reading. Throws KafkaError.
  void start();
  void stop();
  bool caught_up() const { return caught_up_; }
  // Why not caught up yet ("" when caught up).
  std::string behind() const;
  // Set when the reader thread failed (the binary should exit).
  bool failed() const { return failed_; }

 private:
  void run();
  void apply(RdKafka::Message& message);
  void reached(int32_t partition, int64_t next_offset);

  const KafkaClients& clients_;
  std::string topic_;
  Sink sink_;
  std::unique_ptr<RdKafka::KafkaConsumer> consumer_;
  std::map<int32_t, int64_t> pending_;  // partition -> end offset still to reach (reader thread only)
  std::atomic<std::size_t> pending_count_{0};
  std::atomic<bool> caught_up_{false};
  std::atomic<bool> stop_{false};
  std::atomic<bool> failed_{false};
  std::thread thread_;
};

}  // namespace kappa::processor
