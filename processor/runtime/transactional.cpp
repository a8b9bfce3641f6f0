#include "runtime/transactional.h"

#include <spdlog/spdlog.h>

#include <thread>

#include "core/errors.h"
#include "kappa/common/rdkafka_cpp_handles.h"

namespace kappa::processor {

void transactional(const std::string& what, const std::function<RdKafka::Error*()>& call,
                   std::chrono::milliseconds budget) {
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + budget;
  while (true) {
    const rdkafka::ErrorPtr error(call());
    if (!error) return;
    if (error->txn_requires_abort()) throw TransactionAbortable(what + ": " + error->str());
    if (error->is_retriable() && Clock::now() < deadline) {
      spdlog::warn("{}: {} (retrying)", what, error->str());
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      continue;
    }
    throw KafkaError(what + " failed" + (error->is_fatal() ? " (fatal)" : "") + ": " + error->str());
  }
}

void init_transactions(RdKafka::Producer& producer, std::chrono::milliseconds budget) {
  const auto timeout_ms = static_cast<int>(budget.count());
  try {
    transactional("init_transactions", [&] { return producer.init_transactions(timeout_ms); }, budget);
  } catch (const TransactionAbortable& e) {
    throw KafkaError(e.what());
  }
}

void abort_open_transaction(RdKafka::Producer& producer, std::chrono::milliseconds budget) {
  try {
    transactional("abort_transaction", [&] { return producer.abort_transaction(-1); }, budget);
  } catch (const TransactionAbortable& e) {
    throw KafkaError(e.what());
  }
}

}  // namespace kappa::processor
