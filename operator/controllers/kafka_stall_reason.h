#pragma once
// The Stalled reason for a Kafka failure: both reconcilers report the same
// failure the same way.
#include "api/status_names.h"
#include "kafka/kafka_error.h"

namespace kappa::controllers {

inline const char* kafka_stall_reason(const kafka::KafkaError& e) {
  switch (e.kind()) {
    case kafka::KafkaErrorKind::Timeout: return api::reason::kKafkaUnreachable;
    case kafka::KafkaErrorKind::AuthenticationFailed: return api::reason::kKafkaAuthFailed;
    case kafka::KafkaErrorKind::NotAuthorized: return api::reason::kKafkaNotAuthorized;
    default: return api::reason::kKafkaError;
  }
}

}  // namespace kappa::controllers
