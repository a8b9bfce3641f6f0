#pragma once
// The consume-transform-produce loop, exactly once (KIP-447 style):
//  - one consumer in the group (read_committed, no auto commit) and one
//    transactional producer (transactional.id <group>.<instance id>);
//  - each transaction holds the output rows and the state changelog records
//    of the keys changed since the last commit, and the input offsets
//    (send_offsets_to_transaction with the group's metadata);
//  - on assignment, state is restored from the changelog for the assigned
//    partitions, then processing resumes at the committed offsets;
//  - on revocation the open transaction is committed (aborted when the
//    assignment was lost) and the revoked partitions' state dropped;
//  - an aborted transaction rewinds: state is reloaded from the changelog and
//    the consumer seeks back to the committed offsets.
// Bounded mode runs the same loop up to the end offsets seen at start.
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafkacpp.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <future>
#include <optional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/aggregator.h"
#include "core/dead_letter.h"
#include "core/fold_ahead.h"
#include "core/state_store.h"
#include "core/view_definition.h"
#include "core/window_clock.h"
#include "runtime/changelog_restorer.h"
#include "runtime/kafka_clients.h"
#include "runtime/metrics.h"
#include "runtime/status.h"

namespace kappa::processor {

class StreamProcessor : public RdKafka::RebalanceCb {
 public:
  StreamProcessor(const KafkaClients& clients, const ViewDefinition& view, Metrics& metrics, ProcessorStatus& status);
  ~StreamProcessor() override;

  // Stream mode: runs until `stop`, then commits and leaves; returns true.
  // Bounded mode: returns true once every input partition reached the end
  // offset seen at start and is committed; false when stopped before that.
  // Throws KafkaError on an unrecoverable error.
  bool run(const std::atomic<bool>& stop);

  void rebalance_cb(RdKafka::KafkaConsumer* consumer, RdKafka::ErrorCode code,
                    std::vector<RdKafka::TopicPartition*>& partitions) override;

 private:
  static constexpr std::size_t kBatchSize = 1000;  // records per rd_kafka_consume_batch_queue
  struct Progress {
    int64_t position = 0;   // next input offset to process
    int64_t committed = 0;  // input offset of the last commit (or the start)
    int64_t end = -1;       // bounded: the end offset seen at start
    bool done = false;      // bounded: reached `end` (the partition is paused)
  };
  struct Retained {
    StateStore::Keys keys;
    int64_t committed = 0;
    std::optional<std::int64_t> watermark;  // a windowed view's
  };
  enum class CommitResult { Committed, Aborted };

  void start(const std::atomic<bool>& stop);
  void snapshot_end_offsets();
  void on_assign(std::vector<RdKafka::TopicPartition*>& partitions);
  void on_revoke(std::vector<RdKafka::TopicPartition*>& partitions);
  std::map<int32_t, Progress> load_partitions(const std::vector<int32_t>& partitions);
  int64_t start_offset(int32_t partition);

  void handle(const rd_kafka_message_t& message, const PreparedEvent& prepared);
  void on_record(const rd_kafka_message_t& message, const PreparedEvent& prepared);
  // A windowed view's Applied event: late (a bad record), or folded into
  // its window, which may be new. False when it was not folded.
  bool fold_windowed(const rd_kafka_message_t& message, const PreparedEvent& prepared);
  void on_end_of_partition(int32_t partition, int64_t offset);
  void on_bad_record(const rd_kafka_message_t& message, const Outcome& outcome);
  // A routed record's event order (runtime/routed_record.h).
  EventOrder routed_order(const rd_kafka_message_t& message);
  void mark_done(int32_t partition, Progress& progress);

  // Transaction limits: the catch-up ones in bounded mode and while the lag
  // is at least --catch-up-lag, the short ones otherwise.
  std::chrono::milliseconds commit_interval() const;
  std::size_t max_transaction_records() const;
  bool needs_commit() const;
  bool bounded_complete() const;
  void begin_transaction();
  // Commits the open transaction: encodes the rows of its dirty keys, then
  // a helper thread writes them, the dead letters and the offsets
  // (send_offsets_to_transaction) and calls commit_transaction, while the
  // loop goes on consuming; a commit first settles the one before it. With `wait`, returns
  // once this one is settled too.
  CommitResult commit(bool wait = true);
  // The commit in flight: Committed when there is none or it succeeded,
  // Aborted when it failed (the transaction is aborted: rewind), nullopt when
  // `block` is false and it is still running.
  std::optional<CommitResult> settle(bool block);
  void abort_transaction(const std::string& why);
  void rewind();
  // A null `value.data()` writes a tombstone.
  void produce(const std::string& topic, int32_t partition, std::string_view key, std::string_view value,
               std::unique_ptr<RdKafka::Headers> headers = nullptr);

  void produce_dead_letters(const std::vector<DeadLetter>& letters);
  void report();

  const KafkaClients& clients_;
  const Settings& settings_;
  const ViewDefinition& view_;
  Aggregator aggregator_;
  std::vector<BatchRecord> prepared_;  // the records of the batch being folded, read first
  Metrics& metrics_;
  ProcessorStatus& status_;
  const std::atomic<bool>* stop_ = nullptr;

  std::unique_ptr<RdKafka::Producer> producer_;
  std::unique_ptr<RdKafka::KafkaConsumer> consumer_;
  std::unique_ptr<ChangelogRestorer> restorer_;
  StateStore store_;
  // The input is the repartition topic (KAPPA_INPUT_KEYING=Any): events
  // carry their order and their input record in headers.
  const bool routed_input_;
  bool warned_unordered_ = false;
  std::optional<WindowClock> windows_;  // a windowed view's watermarks and open windows
  std::map<int32_t, Progress> progress_;
  std::map<int32_t, Retained> retained_;
  std::map<int32_t, int64_t> end_offsets_;  // bounded mode
  int input_partitions_ = 0;
  bool assigned_ = false;
  bool closed_ = false;
  bool abandoning_ = false;
  std::exception_ptr callback_error_;

  bool in_transaction_ = false;  // records processed since the last commit began
  bool producer_open_ = false;   // the producer's transaction is begun and not ended
  struct InFlight {
    std::future<void> done;               // the writes, the offsets, commit_transaction
    std::map<int32_t, int64_t> offsets;   // input offsets it commits
    std::size_t records = 0, rows = 0, dead_letters = 0;
    std::chrono::steady_clock::time_point started;
  };
  std::optional<InFlight> in_flight_;
  std::size_t transaction_records_ = 0;
  std::size_t batch_records_in_ = 0;  // records of the current batch, added to the metric after it
  std::chrono::steady_clock::time_point transaction_started_;
  std::chrono::steady_clock::time_point last_commit_;
  int consecutive_aborts_ = 0;
  std::size_t transactions_attempted_ = 0;
  bool catching_up_ = false;

  // Bad records of the open transaction, written to the dead-letter topic at
  // commit (all of a transaction's writes happen inside commit(), so the
  // broker's transaction.timeout.ms bounds only the commit, not the interval).
  std::vector<DeadLetter> dead_letters_;  // each fitted into max_message_bytes_
  std::size_t max_message_bytes_ = 1000000;  // the producer's message.max.bytes
  std::size_t dead_letter_bytes_ = 0;
  std::string row_buffer_, state_buffer_;  // reused by commit()
  // One transaction's output rows and changelog records, encoded by commit()
  // and written by the helper thread.
  struct Writes {
    struct Row {
      int32_t partition;
      std::size_t key_at, key_size, output_at, output_size, state_at, state_size;
    };
    std::string bytes;
    std::vector<Row> rows;
    // A windowed view: changelog tombstones of evicted windows (key at,
    // size in `bytes`) and the changed watermarks of input partitions.
    struct Tombstone {
      int32_t partition;
      std::size_t key_at, key_size;
    };
    std::vector<Tombstone> tombstones;
    std::vector<std::pair<int32_t, std::string>> watermarks;  // partition, encoded record
    std::vector<DeadLetter> dead_letters;
  };
  std::size_t last_writes_bytes_ = 0;
  // A windowed view, at commit: evicts the windows past retention
  // (tombstones into `writes`) and adds the changed watermarks.
  void window_writes(Writes& writes);

  std::array<std::int64_t, kBadReasons.size()> bad_counts_{};
  std::chrono::steady_clock::time_point last_bad_sample_;
  std::chrono::steady_clock::time_point last_report_;
  double records_at_last_report_ = 0;
};

}  // namespace kappa::processor
