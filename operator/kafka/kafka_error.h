#pragma once
#include <stdexcept>
#include <string>

namespace kappa::kafka {

enum class KafkaErrorKind {
  Timeout,        // no answer within the configured timeout (broker down or slow)
  UnknownTopic,   // the topic does not exist
  TopicConflict,  // a topic exists with other settings than requested
  GroupNotEmpty,  // a group still has members; it cannot be deleted yet
  InvalidConfig,  // a client property was refused
  AuthenticationFailed,  // SASL credentials refused, or the TLS handshake failed
  NotAuthorized,  // authenticated, but an ACL denies the operation
  Other,
};

const char* to_string(KafkaErrorKind kind);

// A Kafka operation that failed. what() says which operation, on which
// cluster, and why; it never contains client secrets.
class KafkaError : public std::runtime_error {
 public:
  KafkaError(KafkaErrorKind kind, const std::string& what) : std::runtime_error(what), kind_(kind) {}
  KafkaErrorKind kind() const { return kind_; }

 private:
  KafkaErrorKind kind_;
};

}  // namespace kappa::kafka
