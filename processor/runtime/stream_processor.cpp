#include "runtime/stream_processor.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <stdexcept>
#include <string_view>
#include <thread>
#include <utility>

#include "core/errors.h"
#include "core/limits.h"
#include "core/state_codec.h"
#include "kappa/common/rdkafka_cpp_handles.h"
#include "kappa/common/rdkafka_handles.h"
#include "runtime/routed_record.h"
#include "runtime/topics.h"
#include "runtime/transactional.h"

namespace kappa::processor {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

std::string partitions_text(const std::vector<int32_t>& partitions) {
  std::string text = "[";
  for (std::size_t i = 0; i < partitions.size(); ++i) text += (i ? "," : "") + std::to_string(partitions[i]);
  return text + "]";
}

// "record t[p]@o has view key 'u-1' but Kafka key 'x'", and what to do.
std::string key_mismatch(const rd_kafka_message_t& message, const std::string& view_key) {
  const auto shown = [](std::string_view text) {
    return "'" + std::string(text.substr(0, 100)) + (text.size() > 100 ? "...'" : "'");
  };
  const std::string kafka_key =
      message.key == nullptr ? "no Kafka key"
                             : "Kafka key " + shown({static_cast<const char*>(message.key), message.key_len});
  return "record " + std::string(rd_kafka_topic_name(message.rkt)) + "[" + std::to_string(message.partition) + "]@" +
         std::to_string(message.offset) + " has view key " + shown(view_key) + " but " + kafka_key +
         ": the input is not keyed by the view key (ViewKey); set the Pipeline's spec.input.keying to Any (or "
         "KAPPA_INPUT_KEYING=Any) to repartition it by view key first";
}

std::string_view payload_of(const rd_kafka_message_t& message) {
  return {message.payload ? static_cast<const char*>(message.payload) : "", message.len};
}

// Runs `f` when it goes out of scope.
template <class F>
struct ScopeExit {
  explicit ScopeExit(const F& f) : f(f) {}
  ~ScopeExit() { f(); }
  ScopeExit(const ScopeExit&) = delete;
  ScopeExit& operator=(const ScopeExit&) = delete;
  const F& f;
};

// Owns one message of rd_kafka_consume_batch_queue.
struct rdkafka_message_holder {
  explicit rdkafka_message_holder(rd_kafka_message_t* message) : message_(message) {}
  ~rdkafka_message_holder() { rd_kafka_message_destroy(message_); }
  rdkafka_message_holder(const rdkafka_message_holder&) = delete;
  rdkafka_message_holder& operator=(const rdkafka_message_holder&) = delete;
  rd_kafka_message_t* get() const { return message_; }

 private:
  rd_kafka_message_t* message_;
};

// The producer's message.max.bytes: a record larger than this is refused
// (and would fail its transaction).
std::size_t message_max_bytes(RdKafka::Producer& producer) {
  char value[32];
  std::size_t size = sizeof value;
  if (rd_kafka_conf_get(rd_kafka_conf(producer.c_ptr()), "message.max.bytes", value, &size) != RD_KAFKA_CONF_OK) {
    return 1000000;  // librdkafka's default
  }
  return std::strtoull(value, nullptr, 10);
}

constexpr int kMaxConsecutiveAborts = 5;
// A transaction commits early when its buffered dead letters reach this size,
// or when this many keys changed: its writes (two records per key) must
// reach the broker well within transaction.timeout.ms.
constexpr std::size_t kMaxDeadLetterBytes = 16u << 20;
constexpr std::size_t kMaxTransactionKeys = 200000;
constexpr auto kTransactionBudget = 60s;

}  // namespace

StreamProcessor::StreamProcessor(const KafkaClients& clients, const ViewDefinition& view, Metrics& metrics,
                                 ProcessorStatus& status)
    : clients_(clients),
      settings_(clients.settings()),
      view_(view),
      aggregator_(view),
      prepared_(kBatchSize),
      metrics_(metrics),
      status_(status),
      store_(initial_key_state(view)),
      routed_input_(!settings_.repartition_topic.empty()) {
  if (view.window) windows_.emplace(*view.window);
  if (routed_input_ != view.event_order) {  // main pairs them: state of one mode is never read in the other
    throw std::logic_error("a repartitioned input needs the view with_event_order(), and only it");
  }
}

StreamProcessor::~StreamProcessor() {
  // After an exception out of run(): leave the group while every member is
  // still alive (closing revokes through rebalance_cb). The open
  // transaction is left to be aborted by the next instance's
  // init_transactions or by the transaction timeout.
  if (consumer_ && !closed_) {
    abandoning_ = true;
    consumer_->close();
  }
}

// ---------------------------------------------------------------- start

void StreamProcessor::start(const std::atomic<bool>& stop) {
  stop_ = &stop;
  producer_ = clients_.transactional_producer();
  max_message_bytes_ = message_max_bytes(*producer_);
  // The state limit keeps a key's records near 512 KiB; below that (plus its
  // key) a large state could still make a record Kafka refuses.
  if (max_message_bytes_ < limits::kMaxKeyStateBytes + limits::kMaxKeyBytes + (64u << 10)) {
    spdlog::warn("message.max.bytes is {}: a key's state may take up to {} bytes, so a large state can fail its "
                 "transaction; use at least 1000000 (the default)",
                 max_message_bytes_, limits::kMaxKeyStateBytes);
  }
  // Before the group consumer reads the committed offsets.
  init_transactions(*producer_, settings_.startup_timeout);
  consumer_ = clients_.group_consumer(*this);
  restorer_ = std::make_unique<ChangelogRestorer>(clients_, view_, metrics_, [this] { status_.beat(); });
  input_partitions_ = describe_topic(restorer_->consumer(), settings_.input_topic, settings_.startup_timeout).partitions;
  if (settings_.start_from.kind == StartFrom::Kind::Offsets) {
    check_partitions("KAPPA_START_FROM", settings_.start_from.offsets, input_partitions_);
  }
  if (settings_.bounded) snapshot_end_offsets();
  if (const auto code = consumer_->subscribe({settings_.input_topic}); code != RdKafka::ERR_NO_ERROR) {
    throw KafkaError("cannot subscribe to '" + settings_.input_topic + "': " + RdKafka::err2str(code));
  }
  catching_up_ = settings_.bounded;
  last_commit_ = last_bad_sample_ = Clock::now() - 1h;
  last_report_ = Clock::now();
  spdlog::info("processing {} in group {} as transactional.id {} ({}{})", settings_.input_topic,
               settings_.consumer_group, clients_.transactional_id(), settings_.bounded ? "bounded" : "stream",
               settings_.static_membership ? ", static member" : "");
}

void StreamProcessor::snapshot_end_offsets() {
  int64_t total = 0;
  if (settings_.stop_at) {  // a Lambda batch run: the operator's snapshot
    check_partitions("KAPPA_STOP_AT", *settings_.stop_at, input_partitions_);
    end_offsets_ = *settings_.stop_at;
  } else {
    for (int32_t partition = 0; partition < input_partitions_; ++partition) {
      end_offsets_[partition] =
          query_watermarks(restorer_->consumer(), settings_.input_topic, partition, settings_.startup_timeout).high;
    }
  }
  for (const auto& [partition, end] : end_offsets_) total += end;
  spdlog::info("bounded run: processing {} partitions of {} up to {} (sum {})", input_partitions_,
               settings_.input_topic, settings_.stop_at ? "the given offsets" : "their end offsets now", total);
}

// ---------------------------------------------------------------- loop

bool StreamProcessor::run(const std::atomic<bool>& stop) {
  start(stop);
  bool completed = false;
  auto last_beat = Clock::now() - 1h;
  // Records come in batches from the consumer's queue (the C API: no
  // allocation per record, one lock and one clock read per batch).
  rdkafka::Queue queue(rd_kafka_queue_get_consumer(consumer_->c_ptr()));
  std::array<rd_kafka_message_t*, kBatchSize> batch{};
  while (!stop && !completed) {
    // One clock read per batch; the heartbeat and metrics every 100 ms.
    const auto now = Clock::now();
    if (now - last_beat >= 100ms) {
      last_beat = now;
      status_.beat();
      report();
    }
    int timeout_ms = 100;
    if (in_transaction_) {
      const auto due = transaction_started_ + commit_interval() - now;
      timeout_ms = static_cast<int>(std::clamp<int64_t>(
          std::chrono::duration_cast<std::chrono::milliseconds>(due).count(), 0, 100));
    }
    try {
      if (in_flight_) {
        const auto settled = settle(false);
        if (settled && *settled == CommitResult::Aborted) {
          rewind();
          continue;
        }
      }
    } catch (const TransactionAbortable& e) {
      abort_transaction(e.what());
      rewind();
      continue;
    }
    // Rebalance callbacks run inside this call. Records fetched before a
    // revocation may come back in the same batch: on_record ignores those of
    // partitions no longer ours, and for a partition assigned again they
    // follow on from its committed offset, where processing resumes.
    const auto received = rd_kafka_consume_batch_queue(queue.get(), timeout_ms, batch.data(), batch.size());
    const std::size_t count = received > 0 ? static_cast<std::size_t>(received) : 0;
    std::size_t next = 0;
    const auto release = [&] {
      for (; next < count; ++next) rd_kafka_message_destroy(batch[next]);
    };
    // Also on the way out of an exception: librdkafka destroys a consumer
    // only once every message it handed out is destroyed (else it waits).
    const ScopeExit release_on_throw(release);
    if (callback_error_) {
      release();
      try {
        std::rethrow_exception(callback_error_);
      } catch (const Interrupted& e) {
        spdlog::info("{}", e.what());
        callback_error_ = nullptr;
        break;
      }
    }
    if (received < 0) spdlog::warn("consumer: {}", rd_kafka_err2str(rd_kafka_last_error()));
    // The whole batch is read first, then folded: while folding one record,
    // the state of those a few behind it is already on its way (below).
    for (std::size_t i = 0; i < count; ++i) {
      auto& record = prepared_[i];
      record.partition = batch[i]->err == RD_KAFKA_RESP_ERR_NO_ERROR ? batch[i]->partition : -1;
      if (record.partition >= 0) {
        aggregator_.prepare(payload_of(*batch[i]), record.event);
        if (routed_input_) record.event.order = routed_order(*batch[i]);
      }
    }
    // Each record, and once after an empty batch: handle it, then commit
    // when due. After a rewind the rest of the batch is stale (the consumer
    // fetches again from the committed offsets): it is dropped.
    for (bool first = true; (first || next < count) && !stop; first = false) {
      bool rewound = false;
      try {
        if (next < count) {
          prefetch_ahead(store_, aggregator_, prepared_, count, next);
          const rdkafka_message_holder message(batch[next]);
          handle(*message.get(), prepared_[next++].event);
        }
        const bool due = in_transaction_ ? (transaction_records_ >= max_transaction_records() ||
                                            dead_letter_bytes_ >= kMaxDeadLetterBytes ||
                                            store_.dirty_count() >= kMaxTransactionKeys ||
                                            now - transaction_started_ >= commit_interval())
                                         : (needs_commit() && now - last_commit_ >= commit_interval());
        const bool finishing =
            settings_.bounded && assigned_ && needs_commit() &&
            std::all_of(progress_.begin(), progress_.end(), [](const auto& p) { return p.second.done; });
        if ((due || finishing) && commit(finishing) == CommitResult::Aborted) {
          rewind();
          rewound = true;
        }
      } catch (const TransactionAbortable& e) {
        abort_transaction(e.what());
        rewind();
        rewound = true;
      }
      if (settings_.bounded && bounded_complete()) {
        completed = true;
        break;
      }
      if (rewound) break;
    }
    release();  // a record left after a stop is processed by the next run
    metrics_.records_in(std::exchange(batch_records_in_, 0));
    if (!in_flight_) producer_->poll(0);
  }
  queue.reset();
  if (needs_commit()) commit();  // an abort here leaves the work to the next run
  consumer_->close();            // revokes: nothing is left open
  closed_ = true;
  if (callback_error_) {
    try {
      std::rethrow_exception(callback_error_);
    } catch (const Interrupted& e) {
      spdlog::info("{}", e.what());
    }
  }
  report();
  spdlog::info("{}: {} records processed, {} bad", completed ? "bounded run complete" : "stopped",
               metrics_.records_in(), metrics_.records_bad_total());
  return settings_.bounded ? completed : true;
}

void StreamProcessor::handle(const rd_kafka_message_t& message, const PreparedEvent& prepared) {
  switch (message.err) {
    case RD_KAFKA_RESP_ERR_NO_ERROR:
      on_record(message, prepared);
      break;
    case RD_KAFKA_RESP_ERR__PARTITION_EOF:
      on_end_of_partition(message.partition, message.offset);
      break;
    case RD_KAFKA_RESP_ERR__TIMED_OUT:
      break;
    case RD_KAFKA_RESP_ERR__FATAL:
      throw KafkaError(std::string("consumer failed: ") + rd_kafka_message_errstr(&message));
    default:
      spdlog::warn("consumer: {}", rd_kafka_message_errstr(&message));
      break;
  }
}

void StreamProcessor::on_record(const rd_kafka_message_t& message, const PreparedEvent& prepared) {
  const auto partition = message.partition;
  const auto found = progress_.find(partition);
  if (found == progress_.end()) return;  // no longer ours
  auto& progress = found->second;
  if (message.offset < progress.position || progress.done) return;
  if (settings_.bounded && message.offset >= progress.end) {
    progress.position = std::max(progress.position, progress.end);
    mark_done(partition, progress);
    return;
  }
  if (!in_transaction_) begin_transaction();
  ++batch_records_in_;
  const auto& outcome = prepared.outcome;
  switch (outcome.kind) {
    case Outcome::Kind::Applied:
      // Results are exact only when all events of a key are in one input
      // partition: with ViewKey keying (the fast path) that is a promise
      // about the input, and a record that breaks it stops the run rather
      // than make a table that is silently wrong.
      if (input_partitions_ > 1) {
        const std::string_view view_key = std::string_view(outcome.key).substr(0, prepared.view_key_size);
        if (message.key == nullptr ||
            std::string_view(static_cast<const char*>(message.key), message.key_len) != view_key) {
          throw ConfigError("KAPPA_INPUT_KEYING", key_mismatch(message, std::string(view_key)));
        }
      }
      if (windows_) {
        if (!fold_windowed(message, prepared)) break;
      } else if (!aggregator_.fold(prepared, store_.state_for(partition, prepared.key()))) {
        on_bad_record(message, aggregator_.refused(prepared));  // the key's state is full
        break;
      }
      break;
    case Outcome::Kind::Filtered:
      metrics_.record_filtered();
      break;
    case Outcome::Kind::Bad:
      on_bad_record(message, outcome);
      break;
  }
  progress.position = message.offset + 1;
  ++transaction_records_;
  if (settings_.bounded && progress.position >= progress.end) mark_done(partition, progress);
}

bool StreamProcessor::fold_windowed(const rd_kafka_message_t& message, const PreparedEvent& prepared) {
  const auto partition = message.partition;
  if (windows_->is_late(partition, prepared.window_start)) {
    on_bad_record(message, windows_->late(partition, prepared));
    return false;
  }
  windows_->advance(partition, prepared.event_time);
  const auto* keys = store_.keys_of(partition);
  const auto before = keys ? keys->size() : 0;
  const bool folded = aggregator_.fold(prepared, store_.state_for(partition, prepared.key()));
  if (store_.keys_of(partition)->size() != before) windows_->opened(partition, prepared.window_start, prepared.outcome.key);
  if (!folded) on_bad_record(message, aggregator_.refused(prepared));
  return folded;
}

void StreamProcessor::on_end_of_partition(int32_t partition, int64_t offset) {
  const auto found = progress_.find(partition);
  if (found == progress_.end()) return;
  auto& progress = found->second;
  // Past trailing transaction markers: everything before `offset` is seen.
  const auto reached = settings_.bounded ? std::min(offset, progress.end) : offset;
  if (reached > progress.position) progress.position = reached;
  if (settings_.bounded && !progress.done && progress.position >= progress.end) mark_done(partition, progress);
}

void StreamProcessor::on_bad_record(const rd_kafka_message_t& message, const Outcome& outcome) {
  const auto index = static_cast<std::size_t>(outcome.reason);
  metrics_.record_bad(outcome.reason);
  // A routed record names its input record, not the repartition topic's copy.
  std::optional<BadRecordOrigin> origin;
  if (routed_input_) origin = origin_of(message);
  if (!origin) origin = BadRecordOrigin{settings_.input_topic, message.partition, message.offset};
  const auto now = Clock::now();
  if (++bad_counts_[index] == 1 || now - last_bad_sample_ >= 10s) {
    last_bad_sample_ = now;
    spdlog::warn("bad record {}[{}]@{} skipped ({}): {}; {} {} records so far", origin->topic, origin->partition,
                 origin->offset, to_string(outcome.reason), outcome.detail, bad_counts_[index],
                 to_string(outcome.reason));
  }
  if (view_.dead_letter_topic.empty()) return;
  const auto key = message.key ? std::string_view(static_cast<const char*>(message.key), message.key_len)
                               : std::string_view();
  auto letter = make_dead_letter(key, payload_of(message), to_string(outcome.reason), outcome.detail, *origin,
                                 max_message_bytes_);
  dead_letter_bytes_ += letter.size();
  dead_letters_.push_back(std::move(letter));
}

void StreamProcessor::produce_dead_letters(const std::vector<DeadLetter>& letters) {
  for (const auto& letter : letters) {
    std::unique_ptr<RdKafka::Headers> headers(RdKafka::Headers::create());
    for (const auto& [name, value] : letter.headers) headers->add(name, value);
    produce(view_.dead_letter_topic, RdKafka::Topic::PARTITION_UA, letter.key, letter.value, std::move(headers));
  }
}

EventOrder StreamProcessor::routed_order(const rd_kafka_message_t& message) {
  if (const auto order = order_of(message)) return *order;
  // Only the routing stage writes the topic, always with the header: a
  // record without it is not ours; it sorts first, and is said once.
  if (!warned_unordered_) {
    warned_unordered_ = true;
    spdlog::warn("record {}[{}]@{} has no valid {} header: its `last` values sort before every other event's",
                 settings_.input_topic, message.partition, message.offset, kOrderHeader);
  }
  return EventOrder{};
}

void StreamProcessor::mark_done(int32_t partition, Progress& progress) {
  progress.done = true;
  rdkafka::TopicPartitions paused;
  paused.add(settings_.input_topic, partition);
  consumer_->pause(paused.get());
}

// ---------------------------------------------------------------- rebalance

void StreamProcessor::rebalance_cb(RdKafka::KafkaConsumer* consumer, RdKafka::ErrorCode code,
                                   std::vector<RdKafka::TopicPartition*>& partitions) {
  // Exceptions must not unwind through librdkafka: keep and rethrow later.
  try {
    if (code == RdKafka::ERR__ASSIGN_PARTITIONS) {
      on_assign(partitions);
    } else if (code == RdKafka::ERR__REVOKE_PARTITIONS) {
      on_revoke(partitions);
    } else {
      spdlog::error("rebalance failed: {}", RdKafka::err2str(code));
      if (in_transaction_ || in_flight_ || producer_open_) abort_transaction("rebalance failed");
      progress_.clear();
      store_.drop_all();
      if (windows_) windows_->clear();
      consumer->unassign();
    }
  } catch (...) {
    if (!callback_error_) callback_error_ = std::current_exception();
    consumer->unassign();
  }
}

void StreamProcessor::on_assign(std::vector<RdKafka::TopicPartition*>& partitions) {
  const auto started = Clock::now();
  metrics_.rebalance();
  std::vector<int32_t> ids;
  for (const auto* tp : partitions) {
    if (tp->topic() == settings_.input_topic) ids.push_back(tp->partition());
  }
  std::sort(ids.begin(), ids.end());
  auto fresh = load_partitions(ids);
  retained_.clear();
  rdkafka::TopicPartitions assignment;
  for (const auto& [partition, progress] : fresh) assignment.add(settings_.input_topic, partition, progress.position);
  if (const auto code = consumer_->assign(assignment.get()); code != RdKafka::ERR_NO_ERROR) {
    throw KafkaError("cannot take the assignment: " + RdKafka::err2str(code));
  }
  progress_ = std::move(fresh);
  for (auto& [partition, progress] : progress_) {
    if (progress.done) mark_done(partition, progress);
  }
  assigned_ = true;
  status_.assigned = true;
  metrics_.set_assigned_partitions(ids.size());
  metrics_.set_state_keys(store_.key_count());
  std::string positions;
  for (const auto& [partition, progress] : progress_) {
    positions += (positions.empty() ? "" : ", ") + std::to_string(partition) + "@" + std::to_string(progress.position);
  }
  spdlog::info("assigned partitions {} of {}: {} keys in state, ready in {} ms; starting at {}", partitions_text(ids),
               settings_.input_topic, store_.key_count(),
               std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count(), positions);
}

void StreamProcessor::on_revoke(std::vector<RdKafka::TopicPartition*>& partitions) {
  const bool lost = consumer_->assignment_lost();
  bool keep = false;
  if (abandoning_) {
    in_transaction_ = false;
  } else if (lost) {
    if (in_transaction_ || in_flight_ || producer_open_) abort_transaction("the group assignment was lost");
  } else {
    keep = !needs_commit() || commit() == CommitResult::Committed;
  }
  std::vector<int32_t> ids;
  for (const auto* tp : partitions) {
    const auto found = progress_.find(tp->partition());
    if (tp->topic() != settings_.input_topic || found == progress_.end()) continue;
    ids.push_back(tp->partition());
    if (keep) {
      retained_[tp->partition()] = Retained{store_.take_partition(tp->partition()), found->second.committed,
                                            windows_ ? windows_->watermark(tp->partition()) : std::nullopt};
    } else {
      store_.drop_partition(tp->partition());
    }
    if (windows_) windows_->drop(tp->partition());
    progress_.erase(found);
  }
  if (progress_.empty()) {
    store_.drop_all();
    if (windows_) windows_->clear();
  }
  consumer_->unassign();
  metrics_.set_assigned_partitions(progress_.size());
  metrics_.set_state_keys(store_.key_count());
  spdlog::info("partitions {} revoked{}", partitions_text(ids),
               lost ? " (assignment lost: open transaction aborted)" : keep ? "" : " (last transaction aborted)");
}

std::map<int32_t, StreamProcessor::Progress> StreamProcessor::load_partitions(const std::vector<int32_t>& partitions) {
  std::map<int32_t, Progress> out;
  if (partitions.empty()) return out;
  // Committed offsets first: read_committed waits for any transaction still
  // committing offsets to finish, so the changelog read next is complete.
  rdkafka::TopicPartitions committed;
  for (const auto partition : partitions) committed.add(settings_.input_topic, partition);
  const auto code = consumer_->committed(committed.get(), static_cast<int>(settings_.startup_timeout.count()));
  if (code != RdKafka::ERR_NO_ERROR) {
    throw KafkaError("cannot read the committed offsets of group " + settings_.consumer_group + ": " +
                     RdKafka::err2str(code));
  }
  std::vector<int32_t> to_restore;
  for (const auto* tp : committed.get()) {
    const auto partition = tp->partition();
    const auto offset = tp->offset();
    const auto retained = retained_.find(partition);
    if (retained != retained_.end() && offset >= 0 && retained->second.committed == offset) {
      store_.adopt_partition(partition, std::move(retained->second.keys));  // nobody committed since we did
      if (windows_) windows_->load(partition, store_, retained->second.watermark);
    } else {
      to_restore.push_back(partition);
    }
    Progress progress;
    progress.position = offset >= 0 ? offset : start_offset(partition);
    progress.committed = progress.position;
    if (settings_.bounded) {
      const auto end = end_offsets_.find(partition);
      progress.end = end == end_offsets_.end() ? progress.position : end->second;
      progress.done = progress.position >= progress.end;
    }
    out[partition] = progress;
  }
  std::map<int32_t, int64_t> watermarks;
  const auto records = restorer_->restore(to_restore, store_, *stop_, &watermarks);
  if (windows_) {
    for (const auto partition : to_restore) {
      const auto mark = watermarks.find(partition);
      windows_->load(partition, store_, mark == watermarks.end() ? std::nullopt : std::optional(mark->second));
    }
  }
  if (!to_restore.empty()) {
    spdlog::info("restored partitions {} from {}: {} state records", partitions_text(to_restore),
                 settings_.state_topic, records);
  }
  return out;
}

int64_t StreamProcessor::start_offset(int32_t partition) {
  return kappa::processor::start_offset(restorer_->consumer(), settings_, partition);
}

// ---------------------------------------------------------------- transactions

std::chrono::milliseconds StreamProcessor::commit_interval() const {
  return catching_up_ ? settings_.catch_up_commit_interval : settings_.commit_interval;
}

std::size_t StreamProcessor::max_transaction_records() const {
  return catching_up_ ? settings_.catch_up_max_transaction_records : settings_.max_transaction_records;
}

bool StreamProcessor::needs_commit() const {
  if (in_transaction_ || in_flight_) return true;
  return std::any_of(progress_.begin(), progress_.end(),
                     [](const auto& p) { return p.second.position > p.second.committed; });
}

bool StreamProcessor::bounded_complete() const {
  return assigned_ && !needs_commit() &&
         std::all_of(progress_.begin(), progress_.end(), [](const auto& p) { return p.second.done; });
}

void StreamProcessor::begin_transaction() {
  // The producer's transaction begins in commit(), where every write of it
  // happens; here the transaction's records start to count.
  in_transaction_ = true;
  transaction_records_ = 0;
  transaction_started_ = Clock::now();
}

StreamProcessor::CommitResult StreamProcessor::commit(bool wait) {
  if (settle(true) == CommitResult::Aborted) return CommitResult::Aborted;
  if (!needs_commit()) return CommitResult::Committed;  // the commit settled covered everything
  InFlight flight;
  flight.started = Clock::now();
  flight.records = transaction_records_;
  // The transaction's content, fixed now: the rows and changelog records of
  // the dirty keys, encoded into one buffer, the dead letters and the offsets.
  auto writes = std::make_shared<Writes>();
  writes->bytes.reserve(last_writes_bytes_ + last_writes_bytes_ / 8);
  store_.for_each_dirty([&](int32_t partition, const std::string& key, const KeyState& state) {
    auto& bytes = writes->bytes;
    Writes::Row row{partition, bytes.size(), key.size(), 0, 0, 0, 0};
    bytes += key;
    row.output_at = bytes.size();
    render_row(view_, key, state, row_buffer_);
    bytes += row_buffer_;
    row.output_size = row_buffer_.size();
    row.state_at = bytes.size();
    encode_state(view_, state, state_buffer_);
    bytes += state_buffer_;
    row.state_size = state_buffer_.size();
    writes->rows.push_back(row);
  });
  if (windows_) window_writes(*writes);
  last_writes_bytes_ = writes->bytes.size();
  writes->dead_letters = std::move(dead_letters_);
  auto offsets = std::make_shared<rdkafka::TopicPartitions>();
  for (const auto& [partition, progress] : progress_) {
    if (progress.position > progress.committed) {
      offsets->add(settings_.input_topic, partition, progress.position);
      flight.offsets[partition] = progress.position;
    }
  }
  flight.rows = writes->rows.size();
  flight.dead_letters = writes->dead_letters.size();
  const bool inject_fault =
      settings_.fault_abort_every > 0 && ++transactions_attempted_ % settings_.fault_abort_every == 0;
  // What the loop processes from here on belongs to the next transaction.
  store_.clear_dirty();
  dead_letters_.clear();
  dead_letter_bytes_ = 0;
  in_transaction_ = false;
  transaction_records_ = 0;
  last_commit_ = Clock::now();
  if (!producer_open_) {
    const rdkafka::ErrorPtr error(producer_->begin_transaction());
    if (error) throw KafkaError("begin_transaction failed: " + error->str());
    producer_open_ = true;
  }
  std::shared_ptr<RdKafka::ConsumerGroupMetadata> group(consumer_->groupMetadata());
  // The writes, the offsets and the commit run on a helper thread, beside
  // the loop; settle() takes the outcome (and aborts a failed transaction).
  flight.done = std::async(std::launch::async, [this, writes, offsets, group, inject_fault] {
    const auto& bytes = writes->bytes;
    for (const auto& row : writes->rows) {
      const std::string_view key(bytes.data() + row.key_at, row.key_size);
      produce(settings_.output_topic, RdKafka::Topic::PARTITION_UA, key,
              std::string_view(bytes.data() + row.output_at, row.output_size));
      produce(settings_.state_topic, row.partition, key, std::string_view(bytes.data() + row.state_at, row.state_size));
    }
    // After the rows: a window evicted in this transaction may have changed in it too.
    for (const auto& tombstone : writes->tombstones) {
      produce(settings_.state_topic, tombstone.partition,
              std::string_view(bytes.data() + tombstone.key_at, tombstone.key_size), std::string_view());
    }
    for (const auto& [partition, record] : writes->watermarks) {
      std::unique_ptr<RdKafka::Headers> headers(RdKafka::Headers::create());
      headers->add(kWatermarkHeader, "1");
      produce(settings_.state_topic, partition, kWatermarkKey, record, std::move(headers));
    }
    produce_dead_letters(writes->dead_letters);
    if (!offsets->empty()) {
      transactional(
          "send_offsets_to_transaction",
          [&] { return producer_->send_offsets_to_transaction(offsets->get(), group.get(), 30000); },
          kTransactionBudget);
    }
    if (inject_fault) {
      throw TransactionAbortable("fault injection (--fault-abort-every " +
                                 std::to_string(settings_.fault_abort_every) + ")");
    }
    transactional("commit_transaction", [&] { return producer_->commit_transaction(-1); }, kTransactionBudget);
  });
  in_flight_ = std::move(flight);
  return wait ? *settle(true) : CommitResult::Committed;
}

void StreamProcessor::window_writes(Writes& writes) {
  for (const auto& [partition, progress] : progress_) {
    windows_->evict(partition, store_, [&](const std::string& key) {
      writes.tombstones.push_back({partition, writes.bytes.size(), key.size()});
      writes.bytes += key;
    });
  }
  for (const auto& [partition, mark] : windows_->take_changed()) {
    writes.watermarks.emplace_back(partition, encode_watermark(view_, mark));
  }
}

std::optional<StreamProcessor::CommitResult> StreamProcessor::settle(bool block) {
  if (!in_flight_) return CommitResult::Committed;
  if (!block && in_flight_->done.wait_for(std::chrono::seconds(0)) != std::future_status::ready) return std::nullopt;
  InFlight flight = std::move(*in_flight_);
  in_flight_.reset();
  try {
    flight.done.get();  // a KafkaError (fatal, fenced) goes on up
  } catch (const TransactionAbortable& e) {
    abort_transaction(e.what());
    return CommitResult::Aborted;
  }
  producer_open_ = false;
  consecutive_aborts_ = 0;
  for (const auto& [partition, offset] : flight.offsets) {
    const auto progress = progress_.find(partition);
    if (progress != progress_.end()) progress->second.committed = offset;
  }
  metrics_.rows_written(flight.rows);
  metrics_.records_dead_lettered(flight.dead_letters);
  metrics_.transaction_committed();
  spdlog::debug("committed a transaction of {} records, {} rows, offsets of {} partitions in {} ms", flight.records,
                flight.rows, flight.offsets.size(),
                std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - flight.started).count());
  return CommitResult::Committed;
}

void StreamProcessor::abort_transaction(const std::string& why) {
  if (in_flight_) {  // wait for the commit in flight: its outcome no longer matters, we rewind
    auto done = std::move(in_flight_->done);
    in_flight_.reset();
    try {
      done.get();
      producer_open_ = false;
    } catch (const TransactionAbortable&) {
    }
  }
  spdlog::warn("aborting the transaction: {}", why);
  metrics_.transaction_aborted();
  if (++consecutive_aborts_ > kMaxConsecutiveAborts) {
    throw KafkaError(std::to_string(kMaxConsecutiveAborts) + " transactions in a row aborted; the last: " + why);
  }
  if (producer_open_) abort_open_transaction(*producer_, kTransactionBudget);
  producer_open_ = false;
  in_transaction_ = false;
  transaction_records_ = 0;
  store_.clear_dirty();
  dead_letters_.clear();
  dead_letter_bytes_ = 0;
}

void StreamProcessor::rewind() {
  std::vector<int32_t> ids;
  for (const auto& [partition, progress] : progress_) ids.push_back(partition);
  store_.drop_all();
  if (windows_) windows_->clear();
  retained_.clear();
  auto fresh = load_partitions(ids);
  for (auto& [partition, progress] : fresh) {
    const std::unique_ptr<RdKafka::TopicPartition> target(
        RdKafka::TopicPartition::create(settings_.input_topic, partition, progress.position));
    if (const auto code = consumer_->seek(*target, 10000); code != RdKafka::ERR_NO_ERROR) {
      throw KafkaError("cannot rewind " + settings_.input_topic + "[" + std::to_string(partition) +
                       "]: " + RdKafka::err2str(code));
    }
    const auto old = progress_.find(partition);
    const bool was_paused = old != progress_.end() && old->second.done;
    if (was_paused && !progress.done) {
      rdkafka::TopicPartitions resumed;
      resumed.add(settings_.input_topic, partition);
      consumer_->resume(resumed.get());
    }
    if (!was_paused && progress.done) mark_done(partition, progress);
  }
  progress_ = std::move(fresh);
  spdlog::info("rewound partitions {} to their committed offsets", partitions_text(ids));
}

void StreamProcessor::produce(const std::string& topic, int32_t partition, std::string_view key,
                              std::string_view value, std::unique_ptr<RdKafka::Headers> headers) {
  while (true) {
    const auto code = producer_->produce(topic, partition, RdKafka::Producer::RK_MSG_COPY,
                                         const_cast<char*>(value.data()), value.size(),  // null data: a tombstone
                                         key.empty() ? nullptr : key.data(), key.size(), 0, headers.get(), nullptr);
    if (code == RdKafka::ERR_NO_ERROR) {
      [[maybe_unused]] auto* owned_by_librdkafka = headers.release();
      return;
    }
    if (code != RdKafka::ERR__QUEUE_FULL) {
      throw TransactionAbortable("cannot produce to '" + topic + "': " + RdKafka::err2str(code));
    }
    producer_->poll(50);
  }
}

void StreamProcessor::report() {
  const auto now = Clock::now();
  const auto elapsed = std::chrono::duration<double>(now - last_report_).count();
  if (elapsed < 1.0) return;
  int64_t lag = 0;
  for (const auto& [partition, progress] : progress_) {
    int64_t low = 0, high = 0;
    if (consumer_->get_watermark_offsets(settings_.input_topic, partition, &low, &high) == RdKafka::ERR_NO_ERROR &&
        high > progress.position) {
      lag += high - progress.position;
    }
  }
  const double records = metrics_.records_in();
  metrics_.set_lag(lag);
  if (!settings_.bounded) {
    const bool catching_up = settings_.catch_up_lag > 0 && lag >= settings_.catch_up_lag;
    if (catching_up != catching_up_) {
      spdlog::info("lag {}: {}", lag,
                   catching_up ? "catching up, longer transactions" : "caught up, short transactions");
    }
    catching_up_ = catching_up;
  }
  metrics_.set_records_per_second((records - records_at_last_report_) / elapsed);
  metrics_.set_state_keys(store_.key_count());
  records_at_last_report_ = records;
  last_report_ = now;
}

}  // namespace kappa::processor
