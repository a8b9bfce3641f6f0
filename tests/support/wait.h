#pragma once
#include <chrono>
#include <functional>
#include <thread>

namespace kappa::testing {

// Polls `condition` until it holds or `timeout` passes. Tests wait on real
// conditions with a deadline instead of sleeping and hoping.
inline bool wait_for(std::chrono::milliseconds timeout, const std::function<bool()>& condition,
                     std::chrono::milliseconds interval = std::chrono::milliseconds(200)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (condition()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(interval);
  }
}

}  // namespace kappa::testing
