#pragma once
#include <chrono>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>
#include <pplx/pplxtasks.h>

#include "kube/client_config.h"

namespace web::http {
class http_request;
namespace client {
class http_client;
}
}  // namespace web::http

namespace kappa::kube {

struct HttpResponse {
  int status = 0;
  std::string body;
  std::string content_type;
  std::string retry_after;  // the Retry-After header, when the server sent one

  bool ok() const { return status >= 200 && status < 300; }
  // The body parsed as JSON; throws nlohmann::json::parse_error if it is not.
  nlohmann::json json() const { return nlohmann::json::parse(body); }
};

// The request never got an HTTP answer: connection refused, TLS failure,
// timeout. The message says which server and what happened.
class TransportError : public std::runtime_error {
 public:
  explicit TransportError(const std::string& what, bool timed_out = false)
      : std::runtime_error(what), timed_out_(timed_out) {}
  // True when the client gave up waiting (the request timeout passed).
  bool timed_out() const { return timed_out_; }

 private:
  bool timed_out_;
};

// One HTTPS connection pool to an API server, authenticated as the
// ClientConfig says. Thread-safe: requests may be sent concurrently.
class RestClient {
 public:
  explicit RestClient(ClientConfig config,
                      std::chrono::milliseconds timeout = std::chrono::seconds(30));
  ~RestClient();
  RestClient(const RestClient&) = delete;
  RestClient& operator=(const RestClient&) = delete;

  // Sends `method path_and_query` with an optional body; returns whatever
  // status the server answered (API errors are not exceptions here). A
  // ScopedRequestDeadline on the calling thread bounds the whole exchange.
  HttpResponse send(const std::string& method, const std::string& path_and_query,
                    const std::string& body = {},
                    const std::string& content_type = "application/json") const;

  // Sends a GET whose response body is a stream of lines (a watch) and
  // passes each line to `on_line` as it arrives, until the server ends the
  // stream, `on_line` returns false, or `cancel` fires. `idle_timeout` is the
  // longest silence tolerated between chunks. Returns the HTTP answer; for a
  // non-2xx status its body holds the error. Throws TransportError when no
  // answer came, and pplx::task_canceled after a cancellation.
  HttpResponse stream_lines(const std::string& path_and_query,
                            const std::function<bool(const std::string&)>& on_line,
                            const pplx::cancellation_token& cancel,
                            std::chrono::milliseconds idle_timeout) const;

  const ClientConfig& config() const { return config_; }

 private:
  web::http::http_request make_request(const std::string& method, const std::string& path_and_query) const;

  std::string bearer_token() const;

  ClientConfig config_;
  std::unique_ptr<web::http::client::http_client> client_;
};

}  // namespace kappa::kube
