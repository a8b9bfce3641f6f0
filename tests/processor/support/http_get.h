#pragma once
// A minimal blocking HTTP/1.1 client for tests (one request per
// connection, Content-Length bodies), so the tests need no HTTP library.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <string>

namespace kappa::testing::processor {

struct HttpResult {
  int status = 0;  // 0: no answer
  std::string body;
};

inline HttpResult http_request(const std::string& host, int port, const std::string& method,
                               const std::string& target) {
  HttpResult result;
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return result;
  timeval timeout{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  ::inet_pton(AF_INET, host.c_str(), &address.sin_addr);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    return result;
  }
  const std::string request = method + " " + target + " HTTP/1.1\r\nHost: " + host +
                              "\r\nConnection: close\r\nContent-Length: 0\r\n\r\n";
  if (::send(fd, request.data(), request.size(), 0) < 0) {
    ::close(fd);
    return result;
  }
  std::string response;
  char buffer[65536];
  ssize_t n;
  while ((n = ::recv(fd, buffer, sizeof buffer, 0)) > 0) {
    response.append(buffer, static_cast<std::size_t>(n));
    // Stop at the end of a Content-Length body (the server may keep the
    // connection open).
    const auto end = response.find("\r\n\r\n");
    if (end == std::string::npos) continue;
    auto headers = response.substr(0, end);
    for (auto& c : headers) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const auto length = headers.find("content-length:");
    if (length != std::string::npos &&
        response.size() - end - 4 >= std::stoul(headers.substr(length + 15))) {
      break;
    }
  }
  ::close(fd);
  const auto space = response.find(' ');
  const auto header_end = response.find("\r\n\r\n");
  if (space == std::string::npos || header_end == std::string::npos) return result;
  result.status = std::stoi(response.substr(space + 1, 3));
  result.body = response.substr(header_end + 4);
  return result;
}

inline HttpResult http_get(const std::string& host, int port, const std::string& target) {
  return http_request(host, port, "GET", target);
}

// A TCP port free on `host` right now.
inline int free_port(const std::string& host = "127.0.0.1") {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = 0;
  ::inet_pton(AF_INET, host.c_str(), &address.sin_addr);
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  socklen_t length = sizeof address;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  return ntohs(address.sin_port);
}

}  // namespace kappa::testing::processor
