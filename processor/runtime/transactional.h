#pragma once
// One transactional producer call, with librdkafka's error classes mapped
// to what the caller does next.
#include <librdkafka/rdkafkacpp.h>

#include <chrono>
#include <functional>
#include <stdexcept>
#include <string>

namespace kappa::processor {

// The open transaction cannot commit; abort it and rewind (librdkafka's
// "abortable" errors, and produce failures).
class TransactionAbortable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Runs one transactional API call: retriable errors are retried until
// `budget` is spent, abortable ones throw TransactionAbortable, anything else
// (fatal, fenced, or retriable for too long) throws KafkaError.
void transactional(const std::string& what, const std::function<RdKafka::Error*()>& call,
                   std::chrono::milliseconds budget);

// init_transactions within `budget`: fences an older instance with the same
// transactional.id and aborts what it left open. Any failure is a
// KafkaError (nothing is open yet to abort).
void init_transactions(RdKafka::Producer& producer, std::chrono::milliseconds budget);

// Aborts the producer's open transaction; an abort that cannot complete
// leaves the producer unusable, so that is a KafkaError.
void abort_open_transaction(RdKafka::Producer& producer, std::chrono::milliseconds budget);

}  // namespace kappa::processor
