#pragma once
// The attacks on kappa::http::Server, shared by the in-process suite
// (tests/http_server/) and the one against the built binaries
// (tests/security/): what a process uses, and requests streamed until the
// server refuses them.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/types.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "http_server/raw_client.h"

namespace kappa::testing::http_attack {

using namespace std::chrono_literals;

constexpr long kMiB = 1024 * 1024;

// A field of /proc/<pid>/status in kB (VmRSS now, VmHWM the peak).
inline long proc_status_kb(pid_t pid, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0) return std::stol(line.substr(field.size() + 1));
  }
  return -1;
}

// User + system CPU time in clock ticks of a /proc/<pid>/stat or
// /proc/<pid>/task/<tid>/stat file.
inline long cpu_ticks_of(const std::string& stat_path) {
  std::ifstream in(stat_path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::istringstream fields(text.substr(text.rfind(')') + 2));  // after "(comm) "
  std::string field;
  long ticks = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14 || i == 15) ticks += std::stol(field);
  }
  return ticks;
}

inline long cpu_ticks(pid_t pid) { return cpu_ticks_of("/proc/" + std::to_string(pid) + "/stat"); }

// CPU ticks of the threads of `pid` named `name` (the HTTP server's I/O
// thread is "http-io"), so the rest of a process does not count.
inline long thread_cpu_ticks(pid_t pid, const std::string& name) {
  long ticks = 0;
  for (const auto& task : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task")) {
    std::ifstream comm(task.path() / "comm");
    std::string thread_name;
    if (std::getline(comm, thread_name) && thread_name == name) ticks += cpu_ticks_of(task.path() / "stat");
  }
  return ticks;
}

// Sends `head`, then `filler` over and over until the server answers or
// closes, `limit` bytes are sent or 60 s pass. Returns the bytes sent.
inline long stream_until_refused(RawConnection& attacker, const std::string& head, const std::string& filler,
                                 long limit) {
  EXPECT_EQ(attacker.send_some(head), static_cast<long>(head.size()));
  long sent = 0;
  const auto deadline = Clock::now() + 60s;
  while (sent < limit && Clock::now() < deadline && !attacker.readable()) {
    const long n = attacker.send_some(filler);
    if (n < 0) break;
    sent += n;
  }
  return sent;
}

// The attacker's answer: the status (0: none) once the server closed, or
// -1 if it still holds the connection after `timeout`.
inline int answer_and_close(RawConnection& attacker, std::chrono::milliseconds timeout) {
  const auto response = attacker.read_until_closed(Clock::now() + timeout);
  return attacker.peer_closed() ? status_of(response) : -1;
}

// The start of a request whose header never ends (the 300 MB header), and
// of one whose first chunk size is -5 (read forever by the old server).
inline const std::string kEndlessHeader = "GET /healthz HTTP/1.1\r\nHost: test\r\nX-Filler: ";
inline std::string negative_chunk(const std::string& method_and_path) {
  return method_and_path + " HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n-5\r\n";
}

// One streamed attack on host:port: `head`, then up to 300 MiB of filler
// until the server stops reading. `during` runs while the attacker still
// holds its connection (a probe must answer then). Checks that the server
// stopped reading within 16 MiB and answered `refusal` (or just closed);
// returns the bytes it took.
inline long refused_stream_attack(const std::string& host, int port, const std::string& head, int refusal,
                                  const std::function<void()>& during) {
  RawConnection attacker(host, port);
  EXPECT_TRUE(attacker.connected());
  if (!attacker.connected()) return 0;
  const long sent = stream_until_refused(attacker, head, std::string(kMiB, 'a'), 300 * kMiB);
  during();
  const int status = answer_and_close(attacker, 5s);
  EXPECT_LT(sent, 16 * kMiB) << "the server kept reading";
  EXPECT_TRUE(status == refusal || status == 0) << "status " << status << " (-1: connection still open)";
  return sent;
}

// 1,100 connections that each send half a request header and stop;
// `during` runs while they are all open (a probe must answer then). Returns
// how many the server still holds 20 s later (its header timeout is 5 s).
inline int half_sent_requests_still_open(const std::string& host, int port, const std::function<void()>& during) {
  std::vector<std::unique_ptr<RawConnection>> attackers;
  for (int i = 0; i < 1100; ++i) {
    auto connection = std::make_unique<RawConnection>(host, port);
    if (connection->connected()) connection->send_some("GET /healthz HTTP/1.1\r\nHost: test\r\n");
    attackers.push_back(std::move(connection));
  }
  during();
  const auto deadline = Clock::now() + 20s;
  int still_open = 0;
  for (auto& connection : attackers) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (answer_and_close(*connection, left) < 0) ++still_open;
  }
  return still_open;
}

// Lets the test itself hold `files` sockets (the half-sent attack).
inline bool raise_open_files(rlim_t files) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_max < files) return false;
  limit.rlim_cur = std::max(limit.rlim_cur, files);
  return ::setrlimit(RLIMIT_NOFILE, &limit) == 0;
}

}  // namespace kappa::testing::http_attack
