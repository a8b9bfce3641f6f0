#pragma once
// Raw TCP for the attack tests: requests the way an attacker sends them
// (half-sent, oversized, malformed), with every wait bounded by a deadline.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <string>

namespace kappa::testing::http_attack {

using Clock = std::chrono::steady_clock;

class RawConnection {
 public:
  // Connects to host:port (an IPv4 or IPv6 literal); connected() tells.
  RawConnection(const std::string& host, int port) {
    sockaddr_storage address{};
    socklen_t length = 0;
    auto* v4 = reinterpret_cast<sockaddr_in*>(&address);
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&address);
    if (::inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
      v4->sin_family = AF_INET;
      v4->sin_port = htons(static_cast<uint16_t>(port));
      length = sizeof *v4;
    } else if (::inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
      v6->sin6_family = AF_INET6;
      v6->sin6_port = htons(static_cast<uint16_t>(port));
      length = sizeof *v6;
    } else {
      return;
    }
    fd_ = ::socket(address.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return;
    // A send the server stopped reading fails after a second instead of
    // blocking the test.
    timeval timeout{1, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&address), length) != 0) close();
  }
  ~RawConnection() { close(); }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool connected() const { return fd_ >= 0; }

  // Sends what the kernel takes within a second: bytes sent, -1 once the
  // peer has closed or reset the connection.
  long send_some(const std::string& data) {
    if (fd_ < 0) return -1;
    const auto n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
    if (n >= 0) return n;
    return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : -1;
  }

  // Whether a response or the close has arrived (without waiting).
  bool readable() const {
    pollfd p{fd_, POLLIN, 0};
    return fd_ >= 0 && ::poll(&p, 1, 0) > 0;
  }

  // Reads until the peer closes or `deadline`; peer_closed() tells which.
  std::string read_until_closed(Clock::time_point deadline) {
    std::string out;
    char buffer[16384];
    while (fd_ >= 0 && Clock::now() < deadline) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      pollfd p{fd_, POLLIN, static_cast<short>(0)};
      if (::poll(&p, 1, static_cast<int>(std::max<long>(1, left))) <= 0) continue;
      const auto n = ::recv(fd_, buffer, sizeof buffer, 0);
      if (n > 0) {
        out.append(buffer, static_cast<std::size_t>(n));
        continue;
      }
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
      peer_closed_ = true;  // orderly close (0) or reset
      break;
    }
    return out;
  }

  bool peer_closed() const { return peer_closed_; }

  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
  bool peer_closed_ = false;
};

// The status code of a raw HTTP response, 0 when there is none.
inline int status_of(const std::string& response) {
  if (response.rfind("HTTP/1.", 0) != 0 || response.size() < 12) return 0;
  return std::stoi(response.substr(9, 3));
}

// One GET with a deadline: the status, or 0 when there is no answer in time.
inline int get_status(const std::string& host, int port, const std::string& target,
                      std::chrono::milliseconds timeout = std::chrono::seconds(2)) {
  RawConnection connection(host, port);
  if (!connection.connected()) return 0;
  if (connection.send_some("GET " + target + " HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n") <= 0) return 0;
  return status_of(connection.read_until_closed(Clock::now() + timeout));
}

}  // namespace kappa::testing::http_attack
