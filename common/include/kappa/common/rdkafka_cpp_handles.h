#pragma once
// RAII owners for the objects librdkafka's C++ API hands out as raw owning
// pointers (messages, errors, group metadata, topic-partition lists).
#include <librdkafka/rdkafkacpp.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace kappa::rdkafka {

using MessagePtr = std::unique_ptr<RdKafka::Message>;
using ErrorPtr = std::unique_ptr<RdKafka::Error>;
using GroupMetadataPtr = std::unique_ptr<RdKafka::ConsumerGroupMetadata>;
using ConfPtr = std::unique_ptr<RdKafka::Conf>;
using MetadataPtr = std::unique_ptr<const RdKafka::Metadata>;
using TopicPtr = std::unique_ptr<RdKafka::Topic>;

// Owns a std::vector<RdKafka::TopicPartition*> as the C++ API takes it.
class TopicPartitions {
 public:
  TopicPartitions() = default;
  ~TopicPartitions() { RdKafka::TopicPartition::destroy(list_); }
  TopicPartitions(const TopicPartitions&) = delete;
  TopicPartitions& operator=(const TopicPartitions&) = delete;
  TopicPartitions(TopicPartitions&& other) noexcept : list_(std::move(other.list_)) { other.list_.clear(); }
  TopicPartitions& operator=(TopicPartitions&& other) noexcept {
    if (this != &other) {
      RdKafka::TopicPartition::destroy(list_);
      list_ = std::move(other.list_);
      other.list_.clear();
    }
    return *this;
  }

  void add(const std::string& topic, int32_t partition, int64_t offset = RdKafka::Topic::OFFSET_INVALID) {
    list_.push_back(RdKafka::TopicPartition::create(topic, partition, offset));
  }
  std::vector<RdKafka::TopicPartition*>& get() { return list_; }
  const std::vector<RdKafka::TopicPartition*>& get() const { return list_; }
  bool empty() const { return list_.empty(); }
  std::size_t size() const { return list_.size(); }

 private:
  std::vector<RdKafka::TopicPartition*> list_;
};

}  // namespace kappa::rdkafka
