#pragma once
// RAII owners for librdkafka's C handles. The Admin API exists only in the C
// API of librdkafka 2.0.2, so C handles appear beside the C++ wrapper.
#include <librdkafka/rdkafka.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace kappa::rdkafka {

template <typename T, void (*Destroy)(T*)>
struct Deleter {
  void operator()(T* p) const {
    if (p) Destroy(p);
  }
};

using Handle = std::unique_ptr<rd_kafka_t, Deleter<rd_kafka_t, rd_kafka_destroy>>;
using Conf = std::unique_ptr<rd_kafka_conf_t, Deleter<rd_kafka_conf_t, rd_kafka_conf_destroy>>;
using Queue = std::unique_ptr<rd_kafka_queue_t, Deleter<rd_kafka_queue_t, rd_kafka_queue_destroy>>;
using Event = std::unique_ptr<rd_kafka_event_t, Deleter<rd_kafka_event_t, rd_kafka_event_destroy>>;
using NewTopic = std::unique_ptr<rd_kafka_NewTopic_t, Deleter<rd_kafka_NewTopic_t, rd_kafka_NewTopic_destroy>>;
using AdminOptions = std::unique_ptr<rd_kafka_AdminOptions_t,
                                     Deleter<rd_kafka_AdminOptions_t, rd_kafka_AdminOptions_destroy>>;

// `text` with every occurrence of `secret` replaced by "<redacted>".
inline std::string redacted(std::string text, const std::string& secret) {
  if (secret.empty()) return text;
  for (auto at = text.find(secret); at != std::string::npos; at = text.find(secret, at + 10)) {
    text.replace(at, secret.size(), "<redacted>");
  }
  return text;
}

// Builds a configuration from key/value properties; throws
// std::invalid_argument naming the property librdkafka refused. Values are
// never put in the message: they may be secrets, and librdkafka's own text
// repeats the value it refused (a password put in security.protocol, say).
inline Conf make_conf(const std::vector<std::pair<std::string, std::string>>& properties) {
  Conf conf(rd_kafka_conf_new());
  char error[512];
  for (const auto& [key, value] : properties) {
    if (rd_kafka_conf_set(conf.get(), key.c_str(), value.c_str(), error, sizeof error) !=
        RD_KAFKA_CONF_OK) {
      throw std::invalid_argument("Kafka property '" + key + "': " + redacted(error, value));
    }
  }
  return conf;
}

// Creates a client handle of `type`; takes ownership of `conf` on success.
inline Handle make_handle(rd_kafka_type_t type, Conf conf) {
  char error[512];
  rd_kafka_t* handle = rd_kafka_new(type, conf.get(), error, sizeof error);
  if (!handle) throw std::runtime_error(std::string("cannot create Kafka client: ") + error);
  conf.release();  // rd_kafka_new owns it now
  return Handle(handle);
}

}  // namespace kappa::rdkafka
