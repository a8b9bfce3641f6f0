#include "runtime/changelog_restorer.h"

#include <spdlog/spdlog.h>

#include <map>
#include <string_view>

#include "core/errors.h"
#include "core/state_codec.h"
#include "runtime/topics.h"

namespace kappa::processor {

ChangelogRestorer::ChangelogRestorer(const KafkaClients& clients, const ViewDefinition& view, Metrics& metrics,
                                     std::function<void()> heartbeat)
    : topic_(clients.settings().state_topic),
      view_(view),
      metrics_(metrics),
      heartbeat_(std::move(heartbeat)),
      timeout_(clients.settings().startup_timeout),
      consumer_(clients.reader("restore")) {}

std::size_t ChangelogRestorer::restore(const std::vector<int32_t>& partitions, StateStore& store,
                                       const std::atomic<bool>& stop, std::map<int32_t, int64_t>* watermarks) {
  std::map<int32_t, int64_t> remaining;  // partition -> end offset to reach
  rdkafka::TopicPartitions assignment;
  for (const auto partition : partitions) {
    store.add_partition(partition);
    const auto marks = query_watermarks(*consumer_, topic_, partition, timeout_);
    if (marks.high > marks.low) {
      remaining[partition] = marks.high;
      assignment.add(topic_, partition, RdKafka::Topic::OFFSET_BEGINNING);
    }
  }
  if (remaining.empty()) return 0;

  if (const auto code = consumer_->assign(assignment.get()); code != RdKafka::ERR_NO_ERROR) {
    throw KafkaError("cannot assign state topic '" + topic_ + "': " + RdKafka::err2str(code));
  }
  std::size_t records = 0;
  while (!remaining.empty()) {
    if (stop) {
      consumer_->unassign();
      throw Interrupted("stopped while restoring state from '" + topic_ + "'");
    }
    if (heartbeat_) heartbeat_();
    const rdkafka::MessagePtr message(consumer_->consume(200));
    const auto partition = message->partition();
    switch (message->err()) {
      case RdKafka::ERR_NO_ERROR: {
        const auto target = remaining.find(partition);
        if (target == remaining.end()) break;
        if (message->key_pointer() == nullptr) {
          spdlog::warn("state record without a key at {}[{}]@{} ignored", topic_, partition, message->offset());
        } else {
          std::string key(static_cast<const char*>(message->key_pointer()), message->key_len());
          const auto* headers = message->headers();
          const bool watermark = headers != nullptr && !headers->get(kWatermarkHeader).empty();
          if (watermark && message->payload() != nullptr) {
            try {
              const auto mark = decode_watermark(
                  view_, std::string_view(static_cast<const char*>(message->payload()), message->len()));
              if (watermarks) (*watermarks)[partition] = mark;
            } catch (const std::invalid_argument& e) {
              consumer_->unassign();
              throw KafkaError("corrupt watermark record at " + topic_ + "[" + std::to_string(partition) + "]@" +
                               std::to_string(message->offset()) + ": " + e.what());
            }
          } else if (message->payload() == nullptr) {
            store.erase(partition, key);
          } else {
            try {
              store.put(partition, std::move(key),
                        decode_state(view_, std::string_view(static_cast<const char*>(message->payload()),
                                                             message->len())));
            } catch (const std::invalid_argument& e) {
              consumer_->unassign();
              throw KafkaError("corrupt state record at " + topic_ + "[" + std::to_string(partition) + "]@" +
                               std::to_string(message->offset()) + ": " + e.what());
            }
          }
          ++records;
        }
        if (message->offset() + 1 >= target->second) remaining.erase(target);
        break;
      }
      case RdKafka::ERR__PARTITION_EOF: {
        const auto target = remaining.find(partition);
        if (target != remaining.end() && message->offset() >= target->second) remaining.erase(target);
        break;
      }
      case RdKafka::ERR__TIMED_OUT:
        break;
      default:
        spdlog::warn("restoring from '{}': {}", topic_, message->errstr());
        break;
    }
  }
  consumer_->unassign();
  metrics_.state_records_restored(records);
  return records;
}

}  // namespace kappa::processor
