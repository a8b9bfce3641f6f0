#pragma once
// What the stream loop tells the probes, across threads.
#include <atomic>
#include <chrono>
#include <cstdint>

namespace kappa::processor {

struct ProcessorStatus {
  // The first partition assignment has been restored and is processing
  // (an empty assignment counts: this replica then serves only).
  std::atomic<bool> assigned{false};
  // steady_clock milliseconds of the stream loop's last turn.
  std::atomic<std::int64_t> heartbeat_ms{0};

  static std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
  void beat() { heartbeat_ms = now_ms(); }
};

}  // namespace kappa::processor
