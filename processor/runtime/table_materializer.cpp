#include "runtime/table_materializer.h"

#include <spdlog/spdlog.h>

#include "core/errors.h"
#include "kappa/common/rdkafka_cpp_handles.h"
#include "runtime/topics.h"

namespace kappa::processor {

TableMaterializer::TableMaterializer(const KafkaClients& clients, std::string topic, Sink sink)
    : clients_(clients), topic_(std::move(topic)), sink_(std::move(sink)) {}

TableMaterializer::~TableMaterializer() { stop(); }

void TableMaterializer::start() {
  const auto timeout = clients_.settings().startup_timeout;
  consumer_ = clients_.reader("serving");
  const auto layout = describe_topic(*consumer_, topic_, timeout);
  if (!layout.exists) throw KafkaError("topic '" + topic_ + "' does not exist");
  rdkafka::TopicPartitions assignment;
  for (int32_t partition = 0; partition < layout.partitions; ++partition) {
    const auto marks = query_watermarks(*consumer_, topic_, partition, timeout);
    if (marks.high > marks.low) pending_[partition] = marks.high;
    assignment.add(topic_, partition, RdKafka::Topic::OFFSET_BEGINNING);
  }
  pending_count_ = pending_.size();
  caught_up_ = pending_.empty();
  if (const auto code = consumer_->assign(assignment.get()); code != RdKafka::ERR_NO_ERROR) {
    throw KafkaError("cannot read topic '" + topic_ + "': " + RdKafka::err2str(code));
  }
  thread_ = std::thread([this] { run(); });
}

void TableMaterializer::stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  if (consumer_) {
    consumer_->close();
    consumer_.reset();
  }
}

std::string TableMaterializer::behind() const {
  if (caught_up_) return {};
  return "serving table still reading " + std::to_string(pending_count_.load()) + " partition(s) of " + topic_;
}

void TableMaterializer::run() {
  try {
    while (!stop_) {
      const rdkafka::MessagePtr message(consumer_->consume(200));
      switch (message->err()) {
        case RdKafka::ERR_NO_ERROR:
          apply(*message);
          reached(message->partition(), message->offset() + 1);
          break;
        case RdKafka::ERR__PARTITION_EOF:
          reached(message->partition(), message->offset());
          break;
        case RdKafka::ERR__TIMED_OUT:
          break;
        default:
          spdlog::warn("serving table reader: {}", message->errstr());
          break;
      }
    }
  } catch (const std::exception& e) {
    spdlog::error("serving table reader failed: {}", e.what());
    failed_ = true;
  }
}

void TableMaterializer::apply(RdKafka::Message& message) {
  if (message.key_pointer() == nullptr) return;
  const std::string key(static_cast<const char*>(message.key_pointer()), message.key_len());
  try {
    sink_(key, static_cast<const char*>(message.payload()), message.len());
  } catch (const std::exception& e) {
    spdlog::warn("record {}[{}]@{} is not served: {}", topic_, message.partition(), message.offset(), e.what());
  }
}

void TableMaterializer::reached(int32_t partition, int64_t next_offset) {
  if (caught_up_) return;
  const auto found = pending_.find(partition);
  if (found == pending_.end() || next_offset < found->second) return;
  pending_.erase(found);
  pending_count_ = pending_.size();
  if (pending_.empty()) {
    caught_up_ = true;
    spdlog::info("serving table caught up with {}", topic_);
  }
}

}  // namespace kappa::processor
