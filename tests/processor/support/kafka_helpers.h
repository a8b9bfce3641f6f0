#pragma once
// Kafka helpers of the processor tests: topics, producing a log, reading a
// table back (read_committed, as any client of the output would).
#include <librdkafka/rdkafkacpp.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "kafka/rdkafka_admin.h"
#include "kappa/common/rdkafka_cpp_handles.h"
#include "kappa/common/rdkafka_handles.h"

namespace kappa::testing::processor {

namespace rk = kappa::rdkafka;

inline rk::ConfPtr conf_of(const std::map<std::string, std::string>& properties) {
  rk::ConfPtr conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  std::string error;
  for (const auto& [key, value] : properties) {
    if (conf->set(key, value, error) != RdKafka::Conf::CONF_OK) throw std::runtime_error(key + ": " + error);
  }
  return conf;
}

// Creates `topic` with the operator's own Kafka admin; returns the error
// text or "".
inline std::string create_topic(const std::string& bootstrap, const std::string& topic, int partitions,
                                bool compacted = false) {
  try {
    kappa::kafka::KafkaConnection connection;
    connection.bootstrap_servers = bootstrap;
    kappa::kafka::RdKafkaAdmin(connection).create_topic(
        {topic, partitions, 1, {{"cleanup.policy", compacted ? "compact" : "delete"}}});
    return {};
  } catch (const std::exception& e) {
    return e.what();
  }
}

struct Record {
  std::string key;  // "" = no key
  std::string value;
  int64_t timestamp_ms = 0;  // the record's CreateTime; 0 = the producer's clock
};

// Produces `records` in order (idempotent: per-partition order is kept) and
// waits for delivery. Throws on failure. `extra`: more producer properties
// (e.g. a larger message.max.bytes).
inline void produce_all(const std::string& bootstrap, const std::string& topic, const std::vector<Record>& records,
                        const std::map<std::string, std::string>& extra = {}) {
  std::string error;
  std::map<std::string, std::string> properties = {
      {"bootstrap.servers", bootstrap}, {"enable.idempotence", "true"}, {"linger.ms", "5"}};
  for (const auto& [name, value] : extra) properties[name] = value;
  const auto conf = conf_of(properties);
  std::unique_ptr<RdKafka::Producer> producer(RdKafka::Producer::create(conf.get(), error));
  if (!producer) throw std::runtime_error(error);
  for (const auto& record : records) {
    RdKafka::ErrorCode code;
    while ((code = producer->produce(topic, RdKafka::Topic::PARTITION_UA, RdKafka::Producer::RK_MSG_COPY,
                                     const_cast<char*>(record.value.data()), record.value.size(),
                                     record.key.empty() ? nullptr : record.key.data(), record.key.size(), record.timestamp_ms,
                                     nullptr)) == RdKafka::ERR__QUEUE_FULL) {
      producer->poll(50);
    }
    if (code != RdKafka::ERR_NO_ERROR) throw std::runtime_error("produce: " + RdKafka::err2str(code));
  }
  if (producer->flush(30000) != RdKafka::ERR_NO_ERROR) throw std::runtime_error("records not delivered in 30 s");
}

// Reads a topic incrementally (every partition from the beginning,
// read_committed) and keeps the latest value per key.
class TopicReader {
 public:
  TopicReader(const std::string& bootstrap, const std::string& topic, int partitions) : topic_(topic) {
    std::string error;
    const auto conf = conf_of({{"bootstrap.servers", bootstrap},
                               {"group.id", "kappa-test-reader"},
                               {"enable.auto.commit", "false"},
                               {"isolation.level", "read_committed"},
                               {"enable.partition.eof", "false"}});
    consumer_.reset(RdKafka::KafkaConsumer::create(conf.get(), error));
    if (!consumer_) throw std::runtime_error(error);
    rk::TopicPartitions all;
    for (int p = 0; p < partitions; ++p) all.add(topic, p, RdKafka::Topic::OFFSET_BEGINNING);
    consumer_->assign(all.get());
  }
  ~TopicReader() { consumer_->close(); }

  // Consumes whatever arrives within `budget`.
  void poll(std::chrono::milliseconds budget) {
    const auto deadline = std::chrono::steady_clock::now() + budget;
    while (std::chrono::steady_clock::now() < deadline) {
      const rk::MessagePtr message(consumer_->consume(50));
      if (message->err() != RdKafka::ERR_NO_ERROR) continue;
      ++records_;
      std::string key = message->key_pointer()
                            ? std::string(static_cast<const char*>(message->key_pointer()), message->key_len())
                            : std::string();
      if (message->payload() == nullptr) {
        latest_.erase(key);
      } else {
        latest_[key] = std::string(static_cast<const char*>(message->payload()), message->len());
      }
      if (message->headers()) {
        for (const auto& header : message->headers()->get_all()) {
          last_headers_[header.key()] = std::string(static_cast<const char*>(header.value()), header.value_size());
        }
      }
    }
  }

  const std::map<std::string, std::string>& latest() const { return latest_; }
  std::size_t records() const { return records_; }
  const std::map<std::string, std::string>& last_headers() const { return last_headers_; }

 private:
  std::string topic_;
  std::unique_ptr<RdKafka::KafkaConsumer> consumer_;
  std::map<std::string, std::string> latest_;
  std::map<std::string, std::string> last_headers_;
  std::size_t records_ = 0;
};

// Committed offsets of `group` and end offsets of `topic`, per partition.
inline std::pair<std::vector<int64_t>, std::vector<int64_t>> committed_and_end(const std::string& bootstrap,
                                                                               const std::string& group,
                                                                               const std::string& topic,
                                                                               int partitions) {
  std::string error;
  const auto conf = conf_of({{"bootstrap.servers", bootstrap}, {"group.id", group}, {"enable.auto.commit", "false"},
                             {"isolation.level", "read_committed"}});
  std::unique_ptr<RdKafka::KafkaConsumer> consumer(RdKafka::KafkaConsumer::create(conf.get(), error));
  if (!consumer) throw std::runtime_error(error);
  rk::TopicPartitions list;
  for (int p = 0; p < partitions; ++p) list.add(topic, p);
  if (consumer->committed(list.get(), 10000) != RdKafka::ERR_NO_ERROR) throw std::runtime_error("committed()");
  std::vector<int64_t> committed, end;
  for (int p = 0; p < partitions; ++p) {
    committed.push_back(list.get()[p]->offset());
    int64_t low = 0, high = 0;
    consumer->query_watermark_offsets(topic, p, &low, &high, 10000);
    end.push_back(high);
  }
  consumer->close();
  return {committed, end};
}

// Low watermarks of `topic`, per partition (a purge moves them).
inline std::vector<int64_t> low_watermarks(const std::string& bootstrap, const std::string& topic, int partitions) {
  std::string error;
  const auto conf = conf_of({{"bootstrap.servers", bootstrap}, {"group.id", "kappa-test-watermarks"}});
  std::unique_ptr<RdKafka::KafkaConsumer> consumer(RdKafka::KafkaConsumer::create(conf.get(), error));
  if (!consumer) throw std::runtime_error(error);
  std::vector<int64_t> low;
  for (int p = 0; p < partitions; ++p) {
    int64_t l = 0, h = 0;
    if (consumer->query_watermark_offsets(topic, p, &l, &h, 10000) != RdKafka::ERR_NO_ERROR) {
      throw std::runtime_error("query_watermark_offsets");
    }
    low.push_back(l);
  }
  consumer->close();
  return low;
}

// One record read back whole, with where it is and its headers.
struct StoredRecord {
  int32_t partition = 0;
  int64_t offset = 0;
  std::string key, value;
  std::map<std::string, std::string> headers;
};

// Every record of `topic` (read_committed) up to its end offsets at the
// call; throws when they are not all read within `timeout`.
inline std::vector<StoredRecord> read_all(const std::string& bootstrap, const std::string& topic, int partitions,
                                          std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
  std::string error;
  const auto conf = conf_of({{"bootstrap.servers", bootstrap}, {"group.id", "kappa-test-read-all"},
                             {"enable.auto.commit", "false"}, {"isolation.level", "read_committed"}});
  std::unique_ptr<RdKafka::KafkaConsumer> consumer(RdKafka::KafkaConsumer::create(conf.get(), error));
  if (!consumer) throw std::runtime_error(error);
  std::map<int32_t, int64_t> end, next;
  rk::TopicPartitions all;
  for (int p = 0; p < partitions; ++p) {
    int64_t low = 0, high = 0;
    if (consumer->query_watermark_offsets(topic, p, &low, &high, 10000) != RdKafka::ERR_NO_ERROR) {
      throw std::runtime_error("query_watermark_offsets");
    }
    end[p] = high;
    next[p] = low;
    all.add(topic, p, RdKafka::Topic::OFFSET_BEGINNING);
  }
  consumer->assign(all.get());
  std::vector<StoredRecord> records;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  const auto done = [&] {
    for (const auto& [p, e] : end) {
      if (next[p] < e) return false;
    }
    return true;
  };
  while (!done()) {  // past the last record, a transaction marker may stand: the position says so
    if (std::chrono::steady_clock::now() >= deadline) throw std::runtime_error("read_all: " + topic + " not read in time");
    const rk::MessagePtr message(consumer->consume(100));
    if (message->err() == RdKafka::ERR_NO_ERROR) {
      StoredRecord record;
      record.partition = message->partition();
      record.offset = message->offset();
      if (message->key_pointer()) {
        record.key.assign(static_cast<const char*>(message->key_pointer()), message->key_len());
      }
      if (message->payload()) record.value.assign(static_cast<const char*>(message->payload()), message->len());
      if (message->headers()) {
        for (const auto& header : message->headers()->get_all()) {
          record.headers[header.key()] = std::string(static_cast<const char*>(header.value()), header.value_size());
        }
      }
      records.push_back(std::move(record));
    }
    rk::TopicPartitions positions;
    for (int p = 0; p < partitions; ++p) positions.add(topic, p);
    consumer->position(positions.get());
    for (const auto* tp : positions.get()) {
      if (tp->offset() >= 0) next[tp->partition()] = tp->offset();
    }
  }
  consumer->close();
  return records;
}

}  // namespace kappa::testing::processor
