#pragma once
// The exactly-once ordeal the stream tests share: a log produced in six
// chunks, and a processor started and SIGKILLed once per chunk (half of the
// kills right after its first commit, the others anywhere, start-up
// included), so that kills land in open transactions, restores and rebalances.
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <functional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "support/http_get.h"
#include "support/metric_text.h"
#include "support/processor_run.h"
#include "support/wait.h"

namespace kappa::testing::processor {

// Small transactions: many commits per run, so a kill can hit anywhere.
inline std::vector<std::string> crash_run_args() {
  return {"--static-membership", "--max-transaction-records", "300", "--commit-interval-ms", "50"};
}

// Produces chunks 0..4 (`produce_chunk(i)`), each followed by a run of
// `run` killed with SIGKILL. The caller produces chunk 5 and starts the run
// that must end with the exact table.
inline void kill_five_times(const ProcessorRun& run, const std::function<void(std::size_t)>& produce_chunk) {
  using namespace std::chrono_literals;
  std::mt19937 rng(std::random_device{}());
  for (std::size_t kill = 0; kill < 5; ++kill) {
    produce_chunk(kill);
    auto processor = run.start(crash_run_args());
    if (kill % 2 == 0) {
      kappa::testing::wait_for(30s, [&] {
        const auto metrics = http_get("127.0.0.1", run.port, "/metrics");
        return metrics.status == 200 &&
               metric(metrics.body, "kappa_processor_transactions_total{outcome=\"committed\"}") > 0;
      }, 10ms);
      std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 300));
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(300 + rng() % 2500));
    }
    ASSERT_TRUE(processor->running()) << "run " << kill << " exited early:\n" << processor->log();
    processor->send(SIGKILL);
    ASSERT_EQ(processor->wait_exit(10s), 128 + SIGKILL);
  }
}

// The i-th of six nearly equal chunks of `items`.
template <class T>
std::vector<T> chunk_of(const std::vector<T>& items, std::size_t i) {
  const std::size_t size = (items.size() + 5) / 6;
  const auto at = [&](std::size_t n) { return items.begin() + static_cast<std::ptrdiff_t>(std::min(n, items.size())); };
  return std::vector<T>(at(i * size), at((i + 1) * size));
}

}  // namespace kappa::testing::processor
