#pragma once
#include <stdexcept>
#include <string>

namespace kappa::processor {

// A setting or the view definition is wrong. `field` names it (an env
// variable, a flag, or a path inside KAPPA_CONFIG). The binary exits 2.
class ConfigError : public std::runtime_error {
 public:
  ConfigError(std::string field, const std::string& message)
      : std::runtime_error(field + ": " + message), field_(std::move(field)) {}
  const std::string& field() const { return field_; }

 private:
  std::string field_;
};

// Kafka cannot be used as required: unreachable, a missing topic, a fenced
// producer, a corrupt state record. The binary exits 1 (the pod restarts).
class KafkaError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A stop was requested (SIGTERM) in the middle of a long step, such as a
// state restore; the step did not complete and nothing was written.
class Interrupted : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace kappa::processor
