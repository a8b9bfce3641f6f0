#include "runtime/repartitioner.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <thread>
#include <utility>

#include "core/errors.h"
#include "kappa/common/rdkafka_cpp_handles.h"
#include "kappa/common/rdkafka_handles.h"
#include "runtime/routed_record.h"
#include "runtime/topics.h"
#include "runtime/transactional.h"

namespace kappa::processor {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr std::size_t kBatchSize = 1000;
constexpr int kMaxConsecutiveAborts = 5;
constexpr auto kTransactionBudget = 60s;

ViewDefinition key_only(const ViewDefinition& view) {
  return ViewDefinition::parse(
      nlohmann::json{{"key", view.key.text()}, {"aggregates", {{"events", {{"op", "count"}}}}}}.dump());
}

}  // namespace

Repartitioner::Repartitioner(const KafkaClients& clients, const ViewDefinition& view, std::string repartition_topic,
                             ProcessorStatus& status)
    : clients_(clients),
      settings_(clients.settings()),
      key_view_(key_only(view)),
      keys_(key_view_),
      repartition_topic_(std::move(repartition_topic)),
      status_(status) {}

Repartitioner::~Repartitioner() {
  if (consumer_ && !closed_) consumer_->close();  // leave the group while the other stage still runs
}

void Repartitioner::start() {
  producer_ = clients_.transactional_producer();
  init_transactions(*producer_, settings_.startup_timeout);
  reader_ = clients_.reader("repartition-offsets");
  input_partitions_ = describe_topic(*reader_, settings_.input_topic, settings_.startup_timeout).partitions;
  if (settings_.start_from.kind == StartFrom::Kind::Offsets) {
    check_partitions("KAPPA_START_FROM", settings_.start_from.offsets, input_partitions_);
  }
  if (settings_.bounded) {
    if (settings_.stop_at) check_partitions("KAPPA_STOP_AT", *settings_.stop_at, input_partitions_);
    for (int32_t p = 0; p < input_partitions_; ++p) {
      end_offsets_[p] = settings_.stop_at ? settings_.stop_at->at(p)
                                          : query_watermarks(*reader_, settings_.input_topic, p,
                                                             settings_.startup_timeout).high;
    }
  }
  repartition_partitions_ = describe_topic(*reader_, repartition_topic_, settings_.startup_timeout).partitions;
  purge_ = std::make_unique<RepartitionPurge>(*reader_, settings_.consumer_group, repartition_topic_,
                                              repartition_partitions_, settings_.startup_timeout);
  purge();  // what earlier runs folded and committed
  consumer_ = clients_.group_consumer(*this);
  if (const auto code = consumer_->subscribe({settings_.input_topic}); code != RdKafka::ERR_NO_ERROR) {
    throw KafkaError("cannot subscribe to '" + settings_.input_topic + "': " + RdKafka::err2str(code));
  }
  spdlog::info("repartitioning {} into {} by view key '{}' ({}, transactional.id {})", settings_.input_topic,
               repartition_topic_, key_view_.key.text(), settings_.bounded ? "bounded" : "stream",
               clients_.transactional_id());
}

bool Repartitioner::run(const std::atomic<bool>& stop) {
  start();
  rdkafka::Queue queue(rd_kafka_queue_get_consumer(consumer_->c_ptr()));
  std::array<rd_kafka_message_t*, kBatchSize> batch{};
  bool completed = false;
  while (!stop && !completed) {
    status_.beat();
    const auto received = rd_kafka_consume_batch_queue(queue.get(), 100, batch.data(), batch.size());
    const std::size_t count = received > 0 ? static_cast<std::size_t>(received) : 0;
    std::size_t next = 0;
    struct Unhandled {  // destroyed on every way out: librdkafka waits for them before a consumer goes
      std::array<rd_kafka_message_t*, kBatchSize>& batch;
      std::size_t& next;
      std::size_t count;
      ~Unhandled() {
        for (; next < count; ++next) rd_kafka_message_destroy(batch[next]);
      }
    } unhandled{batch, next, count};
    bool rewound = false;
    try {
      if (callback_error_) std::rethrow_exception(std::exchange(callback_error_, nullptr));
      while (next < count && !rewound) {
        on_message(*batch[next]);
        rd_kafka_message_destroy(batch[next++]);
        if (commit_due()) rewound = !commit();
      }
      if (!rewound && commit_due()) rewound = !commit();
      const bool finishing = settings_.bounded && assigned_ && needs_commit() &&
                             std::all_of(progress_.begin(), progress_.end(), [](const auto& p) { return p.second.done; });
      if (!rewound && finishing) rewound = !commit();
    } catch (const TransactionAbortable& e) {
      abort(e.what());
      rewind();
    }
    completed = settings_.bounded && bounded_complete();
    producer_->poll(0);
    if (Clock::now() - last_purge_ >= settings_.repartition_purge_interval) purge();
  }
  queue.reset();
  if (needs_commit()) {
    try {
      commit();
    } catch (const TransactionAbortable& e) {
      spdlog::warn("the last repartition transaction aborted ({}): the next run routes its records", e.what());
    }
  }
  consumer_->close();
  closed_ = true;
  if (completed) {  // the folding stage's end offsets, read next, must count every routed record
    const auto uncommitted = clients_.reader("repartition-end", false);
    wait_until_stable(*reader_, *uncommitted, repartition_topic_, repartition_partitions_, settings_.startup_timeout);
  }
  spdlog::info("repartitioning {}: {} records routed", completed ? "complete" : "stopped", routed_);
  return settings_.bounded ? completed : true;
}

void Repartitioner::on_message(const rd_kafka_message_t& message) {
  const auto found = progress_.find(message.partition);
  if (found == progress_.end()) return;  // revoked since it was fetched
  auto& progress = found->second;
  if (message.err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
    const auto reached = settings_.bounded ? std::min(message.offset, progress.end) : message.offset;
    progress.position = std::max(progress.position, reached);
  } else if (message.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    spdlog::warn("consumer: {}", rd_kafka_err2str(message.err));
    return;
  } else if (message.offset >= progress.position && !progress.done) {
    if (settings_.bounded && message.offset >= progress.end) {
      progress.position = std::max(progress.position, progress.end);
    } else {
      route(message);
      progress.position = message.offset + 1;
    }
  }
  if (settings_.bounded && !progress.done && progress.position >= progress.end) mark_done(message.partition, progress);
}

void Repartitioner::purge() {
  purge_->run();
  last_purge_ = Clock::now();
}

// The record again, keyed by its view key (the producer's murmur2 partitioner
// then puts all of a key's records in one partition). A record without a
// valid key goes on unkeyed: the folding stage reports it as the bad record
// it is, and its partition does not matter. Its headers carry its event
// order and its input topic (runtime/routed_record.h).
void Repartitioner::route(const rd_kafka_message_t& message) {
  if (!in_transaction_) {
    const rdkafka::ErrorPtr error(producer_->begin_transaction());
    if (error) throw KafkaError("begin_transaction failed: " + error->str());
    in_transaction_ = true;
    transaction_records_ = 0;
    transaction_started_ = Clock::now();
  }
  const std::string_view payload(message.payload ? static_cast<const char*>(message.payload) : "", message.len);
  keys_.prepare(payload, prepared_);
  const bool keyed = prepared_.outcome.kind == Outcome::Kind::Applied;
  const auto& key = prepared_.outcome.key;
  auto headers = routed_headers(message);
  while (true) {
    const auto code = producer_->produce(repartition_topic_, RdKafka::Topic::PARTITION_UA,
                                         RdKafka::Producer::RK_MSG_COPY, const_cast<char*>(payload.data()),
                                         payload.size(), keyed ? key.data() : nullptr, keyed ? key.size() : 0,
                                         rd_kafka_message_timestamp(&message, nullptr), headers.get(), nullptr);
    if (code == RdKafka::ERR_NO_ERROR) {
      [[maybe_unused]] auto* owned_by_librdkafka = headers.release();
      break;
    }
    if (code != RdKafka::ERR__QUEUE_FULL) {
      throw TransactionAbortable("produce to " + repartition_topic_ + ": " + RdKafka::err2str(code));
    }
    producer_->poll(10);  // the queue drains as the broker acknowledges
  }
  ++transaction_records_;
  ++routed_;
}

bool Repartitioner::commit_due() const {
  if (!in_transaction_) return false;
  const bool catching_up = settings_.bounded;
  const auto interval = catching_up ? settings_.catch_up_commit_interval : settings_.commit_interval;
  const auto most = catching_up ? settings_.catch_up_max_transaction_records : settings_.max_transaction_records;
  return transaction_records_ >= most || Clock::now() - transaction_started_ >= interval;
}

bool Repartitioner::needs_commit() const {
  return in_transaction_ || std::any_of(progress_.begin(), progress_.end(),
                                        [](const auto& p) { return p.second.position > p.second.committed; });
}

bool Repartitioner::commit(bool rewind_on_abort) {
  if (!in_transaction_) {  // only offsets moved (past markers, or bounded ends): commit them too
    const rdkafka::ErrorPtr error(producer_->begin_transaction());
    if (error) throw KafkaError("begin_transaction failed: " + error->str());
    in_transaction_ = true;
  }
  rdkafka::TopicPartitions offsets;
  std::map<int32_t, int64_t> committing;
  for (const auto& [partition, progress] : progress_) {
    if (progress.position > progress.committed) {
      offsets.add(settings_.input_topic, partition, progress.position);
      committing[partition] = progress.position;
    }
  }
  try {
    if (!offsets.empty()) {
      const rdkafka::GroupMetadataPtr group(consumer_->groupMetadata());
      transactional(
          "send_offsets_to_transaction",
          [&] { return producer_->send_offsets_to_transaction(offsets.get(), group.get(), 30000); },
          kTransactionBudget);
    }
    transactional("commit_transaction", [&] { return producer_->commit_transaction(-1); }, kTransactionBudget);
  } catch (const TransactionAbortable& e) {
    abort(e.what());
    if (rewind_on_abort) rewind();
    return false;
  }
  in_transaction_ = false;
  consecutive_aborts_ = 0;
  for (const auto& [partition, offset] : committing) progress_[partition].committed = offset;
  return true;
}

void Repartitioner::abort(const std::string& why) {
  spdlog::warn("aborting the repartition transaction: {}", why);
  if (++consecutive_aborts_ > kMaxConsecutiveAborts) {
    throw KafkaError(std::to_string(kMaxConsecutiveAborts) + " repartition transactions in a row aborted; the last: " + why);
  }
  if (in_transaction_) abort_open_transaction(*producer_, kTransactionBudget);
  in_transaction_ = false;
}

void Repartitioner::rewind() {
  std::vector<int32_t> ids;
  for (const auto& [partition, progress] : progress_) ids.push_back(partition);
  assign(ids);  // from the committed offsets again
}

// Takes `partitions` at their committed offsets (or where KAPPA_START_FROM
// says, for a partition the group never committed).
void Repartitioner::assign(const std::vector<int32_t>& partitions) {
  rdkafka::TopicPartitions committed;
  for (const auto partition : partitions) committed.add(settings_.input_topic, partition);
  if (!partitions.empty()) {
    const auto code = consumer_->committed(committed.get(), static_cast<int>(settings_.startup_timeout.count()));
    if (code != RdKafka::ERR_NO_ERROR) {
      throw KafkaError("cannot read the committed offsets of group " + settings_.consumer_group + ": " +
                       RdKafka::err2str(code));
    }
  }
  progress_.clear();
  rdkafka::TopicPartitions assignment;
  for (const auto* tp : committed.get()) {
    Progress progress;
    progress.position = tp->offset() >= 0 ? tp->offset() : start_offset(*reader_, settings_, tp->partition());
    progress.committed = progress.position;
    if (settings_.bounded) {
      progress.end = end_offsets_.count(tp->partition()) ? end_offsets_.at(tp->partition()) : progress.position;
      progress.done = progress.position >= progress.end;
    }
    progress_[tp->partition()] = progress;
    assignment.add(settings_.input_topic, tp->partition(), progress.position);
  }
  if (const auto code = consumer_->assign(assignment.get()); code != RdKafka::ERR_NO_ERROR) {
    throw KafkaError("cannot take the assignment: " + RdKafka::err2str(code));
  }
  for (auto& [partition, progress] : progress_) {
    if (progress.done) mark_done(partition, progress);
  }
  assigned_ = true;
}

void Repartitioner::mark_done(int32_t partition, Progress& progress) {
  progress.done = true;
  rdkafka::TopicPartitions paused;
  paused.add(settings_.input_topic, partition);
  consumer_->pause(paused.get());
}

bool Repartitioner::bounded_complete() const {
  return assigned_ && static_cast<int32_t>(progress_.size()) == input_partitions_ && !needs_commit() &&
         std::all_of(progress_.begin(), progress_.end(), [](const auto& p) { return p.second.done; });
}

void Repartitioner::rebalance_cb(RdKafka::KafkaConsumer* consumer, RdKafka::ErrorCode code,
                                 std::vector<RdKafka::TopicPartition*>& partitions) {
  try {  // exceptions must not unwind through librdkafka: kept, rethrown by run()
    if (code == RdKafka::ERR__ASSIGN_PARTITIONS) {
      std::vector<int32_t> ids;
      for (const auto* tp : partitions) {
        if (tp->topic() == settings_.input_topic) ids.push_back(tp->partition());
      }
      assign(ids);
      spdlog::info("repartitioner assigned {} partitions of {}", ids.size(), settings_.input_topic);
      return;
    }
    if (code == RdKafka::ERR__REVOKE_PARTITIONS && !consumer->assignment_lost() && needs_commit()) {
      commit(false);  // an abort leaves the records to whoever takes the partitions
    } else if (in_transaction_) {
      abort("the assignment was lost");
    }
  } catch (...) {
    if (!callback_error_) callback_error_ = std::current_exception();
  }
  progress_.clear();
  assigned_ = false;
  consumer->unassign();
}

}  // namespace kappa::processor
