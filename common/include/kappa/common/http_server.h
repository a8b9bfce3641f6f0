#pragma once
// A small HTTP/1.1 server (Boost.Beast over Asio) that hands every request
// to one Handler. Used for /healthz, /readyz, /metrics and the processor's
// query API, which face whoever can reach the pod, so every resource a
// client can hold is bounded (see Limits).
#include <chrono>
#include <cstddef>
#include <memory>
#include <set>
#include <string>

#include "kappa/common/http_types.h"

namespace kappa::http {

struct Limits {
  // Request line and headers together; beyond: 431 and close.
  std::size_t max_header_bytes = 16 * 1024;
  // A body (Content-Length or chunked); beyond: 413 and close. The servers
  // only serve GET, so this is small.
  std::size_t max_body_bytes = 64 * 1024;
  // From the connection (or the previous response) to the end of the
  // headers: half-sent requests and idle keep-alive connections are closed.
  std::chrono::milliseconds header_timeout{std::chrono::seconds(5)};
  std::chrono::milliseconds body_timeout{std::chrono::seconds(10)};
  std::chrono::milliseconds write_timeout{std::chrono::seconds(10)};
  // Open connections; also at most half the process's open-file limit. A
  // new one beyond it closes the oldest connection still waiting for a
  // request, or itself when all are busy.
  std::size_t max_connections = 64;
  // Threads running the handler, and requests waiting or running beyond
  // which the answer is 503.
  std::size_t handler_threads = 2;
  std::size_t max_pending_requests = 32;
  // Paths with a handler thread and queue of their own, so probes answer
  // while the other paths are busy.
  std::set<std::string> probe_paths{"/healthz", "/readyz", "/livez"};
};

class Server {
 public:
  // Listens on <bind_address>:<port> (an IPv4 or IPv6 address or a host
  // name; port 0 picks a free one) until destroyed. Throws
  // std::runtime_error naming the address when it cannot listen.
  Server(const std::string& bind_address, int port, Handler handler, Limits limits = {});
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // http://host:port/ with an IPv6 address in brackets.
  const std::string& url() const { return url_; }
  int port() const { return port_; }

 private:
  struct Impl;
  std::string url_;
  int port_ = 0;
  std::unique_ptr<Impl> impl_;
};

// host:port for a URL: an IPv6 address in brackets.
std::string host_port(const std::string& host, int port);

}  // namespace kappa::http
