#include "runtime/topics.h"

#include <algorithm>
#include <thread>

#include "core/errors.h"
#include "kappa/common/rdkafka_cpp_handles.h"
#include "kappa/common/rdkafka_handles.h"

namespace kappa::processor {
namespace {

using Clock = std::chrono::steady_clock;

int remaining_ms(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left < 1 ? 1 : static_cast<int>(left);
}

}  // namespace

TopicLayout describe_topic(RdKafka::Handle& handle, const std::string& topic, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  std::string error;
  rdkafka::TopicPtr topic_handle(RdKafka::Topic::create(&handle, topic, nullptr, error));
  if (!topic_handle) throw KafkaError("topic '" + topic + "': " + error);
  RdKafka::ErrorCode last = RdKafka::ERR_NO_ERROR;
  while (true) {
    RdKafka::Metadata* raw = nullptr;
    last = handle.metadata(false, topic_handle.get(), &raw, remaining_ms(deadline));
    const rdkafka::MetadataPtr metadata(raw);
    if (last == RdKafka::ERR_NO_ERROR) {
      for (const auto* entry : *metadata->topics()) {
        if (entry->topic() != topic) continue;
        last = entry->err();
        if (last == RdKafka::ERR_UNKNOWN_TOPIC_OR_PART) return TopicLayout{false, 0};
        if (last == RdKafka::ERR_NO_ERROR) {
          return TopicLayout{true, static_cast<int>(entry->partitions()->size())};
        }
      }
    }
    if (Clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  throw KafkaError("no metadata for topic '" + topic + "' within " + std::to_string(timeout.count()) +
                   " ms: " + RdKafka::err2str(last));
}

void create_topic(RdKafka::Handle& handle, const std::string& topic, int partitions, int replication_factor,
                  const std::vector<std::pair<std::string, std::string>>& configs, std::chrono::milliseconds timeout) {
  namespace rk = kappa::rdkafka;
  rd_kafka_t* client = handle.c_ptr();
  char error[512];
  rk::NewTopic new_topic(rd_kafka_NewTopic_new(topic.c_str(), partitions, replication_factor, error, sizeof error));
  if (!new_topic) throw KafkaError("cannot create topic '" + topic + "': " + error);
  for (const auto& [name, value] : configs) {
    if (rd_kafka_NewTopic_set_config(new_topic.get(), name.c_str(), value.c_str()) != RD_KAFKA_RESP_ERR_NO_ERROR) {
      throw KafkaError("cannot create topic '" + topic + "': bad config " + name);
    }
  }
  rk::AdminOptions options(rd_kafka_AdminOptions_new(client, RD_KAFKA_ADMIN_OP_CREATETOPICS));
  rd_kafka_AdminOptions_set_operation_timeout(options.get(), static_cast<int>(timeout.count()), error, sizeof error);
  rd_kafka_AdminOptions_set_request_timeout(options.get(), static_cast<int>(timeout.count()), error, sizeof error);
  rk::Queue queue(rd_kafka_queue_new(client));
  rd_kafka_NewTopic_t* topics[] = {new_topic.get()};
  rd_kafka_CreateTopics(client, topics, 1, options.get(), queue.get());
  rk::Event event(rd_kafka_queue_poll(queue.get(), static_cast<int>(timeout.count()) + 5000));
  if (!event) throw KafkaError("no answer to creating topic '" + topic + "'");
  if (rd_kafka_event_error(event.get())) {
    throw KafkaError("cannot create topic '" + topic + "': " + rd_kafka_event_error_string(event.get()));
  }
  size_t count = 0;
  const auto* results =
      rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event.get()), &count);
  if (count != 1) throw KafkaError("unexpected answer to creating topic '" + topic + "'");
  const auto code = rd_kafka_topic_result_error(results[0]);
  if (code != RD_KAFKA_RESP_ERR_NO_ERROR && code != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
    throw KafkaError("cannot create topic '" + topic + "': " + rd_kafka_topic_result_error_string(results[0]));
  }
}

Watermarks query_watermarks(RdKafka::KafkaConsumer& consumer, const std::string& topic, int32_t partition,
                            std::chrono::milliseconds timeout) {
  // Retried until `timeout`: a partition just created has no leader yet.
  const auto deadline = Clock::now() + timeout;
  while (true) {
    Watermarks marks;
    const auto code =
        consumer.query_watermark_offsets(topic, partition, &marks.low, &marks.high, remaining_ms(deadline));
    if (code == RdKafka::ERR_NO_ERROR) return marks;
    if (Clock::now() >= deadline) {
      throw KafkaError("cannot read the offsets of " + topic + "[" + std::to_string(partition) +
                       "]: " + RdKafka::err2str(code));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (code == RdKafka::ERR__UNKNOWN_PARTITION || code == RdKafka::ERR__UNKNOWN_TOPIC ||
        code == RdKafka::ERR_UNKNOWN_TOPIC_OR_PART) {
      // This client may have cached the topic before it was created (or
      // without this partition): ask for its metadata again, or the query
      // keeps failing from the cache.
      std::string error;
      const rdkafka::TopicPtr handle(RdKafka::Topic::create(&consumer, topic, nullptr, error));
      RdKafka::Metadata* raw = nullptr;
      if (handle) consumer.metadata(false, handle.get(), &raw, std::min(remaining_ms(deadline), 1000));
      const rdkafka::MetadataPtr refreshed(raw);
    }
  }
}

void wait_until_stable(RdKafka::KafkaConsumer& committed, RdKafka::KafkaConsumer& uncommitted,
                       const std::string& topic, int32_t partitions, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (int32_t partition = 0; partition < partitions; ++partition) {
    while (true) {
      const auto stable = query_watermarks(committed, topic, partition, timeout).high;
      const auto high = query_watermarks(uncommitted, topic, partition, timeout).high;
      if (stable >= high) break;
      if (Clock::now() >= deadline) {
        throw KafkaError(topic + "[" + std::to_string(partition) + "] has a transaction open (stable offset " +
                         std::to_string(stable) + ", end " + std::to_string(high) + ") after " +
                         std::to_string(timeout.count()) + " ms");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
}

int64_t start_offset(RdKafka::KafkaConsumer& reader, const Settings& settings, int32_t partition) {
  const auto& start = settings.start_from;
  if (start.kind == StartFrom::Kind::Offsets) return start.offsets.at(partition);  // checked at start
  if (start.kind == StartFrom::Kind::Timestamp) {
    rdkafka::TopicPartitions query;
    query.add(settings.input_topic, partition, start.timestamp_ms);
    const auto code = reader.offsetsForTimes(query.get(), static_cast<int>(settings.startup_timeout.count()));
    if (code != RdKafka::ERR_NO_ERROR) {
      throw KafkaError("cannot find the offset of " + start.describe() + " in " + settings.input_topic + ": " +
                       RdKafka::err2str(code));
    }
    if (query.get()[0]->offset() >= 0) return query.get()[0]->offset();
  }
  const auto marks = query_watermarks(reader, settings.input_topic, partition, settings.startup_timeout);
  return start.kind == StartFrom::Kind::Earliest ? marks.low : marks.high;
}

}  // namespace kappa::processor
