#include "controllers/timed_kafka_admin.h"

#include <chrono>
#include <type_traits>

#include <spdlog/spdlog.h>

namespace kappa::controllers {

TimedKafkaAdmin::TimedKafkaAdmin(std::shared_ptr<kafka::KafkaAdmin> inner, std::shared_ptr<ControllerMetrics> metrics)
    : inner_(std::move(inner)), metrics_(std::move(metrics)) {}

template <typename Call>
auto TimedKafkaAdmin::timed(const char* operation, Call&& call) -> decltype(call()) {
  const auto started = std::chrono::steady_clock::now();
  const auto took = [&] {
    const auto elapsed = std::chrono::steady_clock::now() - started;
    spdlog::debug("kafka {} in {} ms", operation, std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count());
    return ControllerMetrics::seconds(elapsed);
  };
  try {
    if constexpr (std::is_void_v<decltype(call())>) {
      call();
      metrics_->kafka_call(operation, took(), std::nullopt);
    } else {
      auto result = call();
      metrics_->kafka_call(operation, took(), std::nullopt);
      return result;
    }
  } catch (const kafka::KafkaError& e) {
    metrics_->kafka_call(operation, took(), e.kind());
    throw;
  } catch (...) {
    metrics_->kafka_call(operation, took(), kafka::KafkaErrorKind::Other);
    throw;
  }
}

int32_t TimedKafkaAdmin::partition_count(const std::string& topic) {
  return timed("partition_count", [&] { return inner_->partition_count(topic); });
}

kafka::PartitionOffsets TimedKafkaAdmin::end_offsets(const std::string& topic) {
  return timed("end_offsets", [&] { return inner_->end_offsets(topic); });
}

kafka::PartitionOffsets TimedKafkaAdmin::earliest_offsets(const std::string& topic) {
  return timed("earliest_offsets", [&] { return inner_->earliest_offsets(topic); });
}

kafka::PartitionOffsets TimedKafkaAdmin::offsets_for_time(const std::string& topic, int64_t timestamp_ms) {
  return timed("offsets_for_time", [&] { return inner_->offsets_for_time(topic, timestamp_ms); });
}

kafka::PartitionOffsets TimedKafkaAdmin::start_offsets(const std::string& topic, const kafka::StartFrom& start) {
  return timed("start_offsets", [&] { return inner_->start_offsets(topic, start); });
}

std::vector<kafka::GroupLag> TimedKafkaAdmin::lag(const std::string& topic,
                                                  const std::vector<kafka::GroupLagQuery>& groups) {
  return timed("lag", [&] { return inner_->lag(topic, groups); });
}

std::vector<kafka::GroupLag> TimedKafkaAdmin::lag_batch(const std::vector<kafka::LagQuery>& queries) {
  return timed("lag_batch", [&] { return inner_->lag_batch(queries); });
}

void TimedKafkaAdmin::create_topic(const kafka::TopicSpec& spec) {
  timed("create_topic", [&] { inner_->create_topic(spec); });
}

void TimedKafkaAdmin::create_topics(const std::vector<kafka::TopicSpec>& specs) {
  timed("create_topics", [&] { inner_->create_topics(specs); });
}

void TimedKafkaAdmin::delete_topics(const std::vector<std::string>& topics) {
  timed("delete_topics", [&] { inner_->delete_topics(topics); });
}

void TimedKafkaAdmin::delete_topic(const std::string& topic) {
  timed("delete_topic", [&] { inner_->delete_topic(topic); });
}

void TimedKafkaAdmin::delete_group(const std::string& group) {
  timed("delete_group", [&] { inner_->delete_group(group); });
}

std::vector<std::string> TimedKafkaAdmin::list_groups(const std::string& prefix) {
  return timed("list_groups", [&] { return inner_->list_groups(prefix); });
}

std::vector<std::string> TimedKafkaAdmin::list_topics(const std::string& prefix) {
  return timed("list_topics", [&] { return inner_->list_topics(prefix); });
}

kafka::RetentionCheck TimedKafkaAdmin::retention_preflight(const std::string& topic, const kafka::StartFrom& start) {
  return timed("retention_preflight", [&] { return inner_->retention_preflight(topic, start); });
}

}  // namespace kappa::controllers
