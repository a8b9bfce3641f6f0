#pragma once
// Plain HTTP GETs of the operator's /metrics and probes (bound to
// 127.0.0.1) and a free loopback port to bind them to.
#include <chrono>
#include <optional>
#include <string>

namespace kappa::bench {

// The body of http://127.0.0.1:<port><path> when it answers 200, else
// nothing (refused, another status, timed out).
std::optional<std::string> local_get(int port, const std::string& path,
                                     std::chrono::milliseconds timeout = std::chrono::seconds(10));

// A TCP port on 127.0.0.1 that nothing listens on right now.
int free_local_port();

}  // namespace kappa::bench
