#pragma once
// A small HTTP/1.1 server (cpprestsdk's http_listener) that hands every
// request to one Handler. Used for /healthz, /readyz, /metrics and the
// processor's query API.
#include <memory>
#include <string>

#include "kappa/common/http_types.h"

namespace kappa::http {

class Server {
 public:
  // Listens on http://<bind_address>:<port>/ until destroyed. Throws
  // std::runtime_error naming the address when it cannot listen.
  Server(const std::string& bind_address, int port, Handler handler);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  const std::string& url() const { return url_; }

 private:
  struct Impl;
  std::string url_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kappa::http
