#pragma once
// The first stage of an input that is not keyed by the view key (null keys,
// or keyed by something else): every record is written again to the
// repartition topic, keyed by its view key, so that all events of a key
// meet in one partition, where the usual loop (StreamProcessor, reading the
// repartition topic) folds them. Exactly once, as Kafka Streams does for
// groupBy: each transaction holds the routed records and the input offsets
// (send_offsets_to_transaction, in the same consumer group as the folding
// stage, so the group's committed offsets cover both topics and its lag
// counts both stages).
//
// Bounded mode routes up to the end offsets seen at start (or KAPPA_STOP_AT)
// and returns; the folding stage then reads the repartition topic to its end.
//
// It also purges the repartition topic (runtime/repartition_purge.h): at
// start, and every 30 s while it runs.
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafkacpp.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/aggregator.h"
#include "core/view_definition.h"
#include "runtime/kafka_clients.h"
#include "runtime/repartition_purge.h"
#include "runtime/status.h"

namespace kappa::processor {

class Repartitioner : public RdKafka::RebalanceCb {
 public:
  // `clients` must be the first stage's own (an instance id of its own, so
  // a transactional.id and a static member id of its own).
  Repartitioner(const KafkaClients& clients, const ViewDefinition& view, std::string repartition_topic,
                ProcessorStatus& status);
  ~Repartitioner() override;

  // As StreamProcessor::run: stream mode until `stop`; bounded mode true
  // once every input partition is routed and committed. Throws KafkaError.
  bool run(const std::atomic<bool>& stop);

  void rebalance_cb(RdKafka::KafkaConsumer* consumer, RdKafka::ErrorCode code,
                    std::vector<RdKafka::TopicPartition*>& partitions) override;

  std::int64_t records_routed() const { return routed_; }

 private:
  struct Progress {
    std::int64_t position = 0;
    std::int64_t committed = 0;
    std::int64_t end = -1;  // bounded
    bool done = false;
  };

  void start();
  void on_message(const rd_kafka_message_t& message);
  void route(const rd_kafka_message_t& message);
  void purge();
  bool commit_due() const;
  // Commits the open transaction and the offsets; false when it aborted
  // (then, with rewind_on_abort, processing resumes at the committed offsets).
  bool commit(bool rewind_on_abort = true);
  void abort(const std::string& why);
  void rewind();
  void assign(const std::vector<std::int32_t>& partitions);
  void mark_done(std::int32_t partition, Progress& progress);
  bool needs_commit() const;
  bool bounded_complete() const;

  const KafkaClients& clients_;
  const Settings& settings_;
  const ViewDefinition key_view_;  // the view key alone: what routing reads of an event
  Aggregator keys_;
  const std::string repartition_topic_;
  ProcessorStatus& status_;
  std::unique_ptr<RdKafka::Producer> producer_;
  std::unique_ptr<RdKafka::KafkaConsumer> consumer_;
  std::unique_ptr<RdKafka::KafkaConsumer> reader_;  // watermarks and offsets by time; admin calls
  std::unique_ptr<RepartitionPurge> purge_;
  std::chrono::steady_clock::time_point last_purge_;
  std::map<std::int32_t, Progress> progress_;
  std::map<std::int32_t, std::int64_t> end_offsets_;  // bounded
  std::int32_t input_partitions_ = 0;
  std::int32_t repartition_partitions_ = 0;
  PreparedEvent prepared_;
  bool in_transaction_ = false;
  bool assigned_ = false;
  bool closed_ = false;
  std::size_t transaction_records_ = 0;
  std::chrono::steady_clock::time_point transaction_started_;
  std::int64_t routed_ = 0;
  int consecutive_aborts_ = 0;
  std::exception_ptr callback_error_;
};

}  // namespace kappa::processor
