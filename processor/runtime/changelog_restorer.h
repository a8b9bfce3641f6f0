#pragma once
// Reads the state topic back into the state store: for each partition, from
// the beginning up to its end, read_committed (so only state written by
// committed transactions counts). Partition p of the state topic holds the
// keys of input partition p.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/state_store.h"
#include "core/view_definition.h"
#include "runtime/kafka_clients.h"
#include "runtime/metrics.h"

namespace kappa::processor {

class ChangelogRestorer {
 public:
  ChangelogRestorer(const KafkaClients& clients, const ViewDefinition& view, Metrics& metrics,
                    std::function<void()> heartbeat);

  // Returns the number of state records read. Throws KafkaError on a Kafka
  // failure or a corrupt state record, Interrupted when `stop` is set. A
  // windowed view's watermark records go into `watermarks` (by partition).
  std::size_t restore(const std::vector<int32_t>& partitions, StateStore& store, const std::atomic<bool>& stop,
                      std::map<int32_t, int64_t>* watermarks = nullptr);

  // The reader's handle, for offset queries on other topics.
  RdKafka::KafkaConsumer& consumer() { return *consumer_; }

 private:
  std::string topic_;
  const ViewDefinition& view_;
  Metrics& metrics_;
  std::function<void()> heartbeat_;
  std::chrono::milliseconds timeout_;
  std::unique_ptr<RdKafka::KafkaConsumer> consumer_;
};

}  // namespace kappa::processor
