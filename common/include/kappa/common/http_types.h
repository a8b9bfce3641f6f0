#pragma once
// Plain request/response values for the small HTTP servers of the binaries
// (probes, metrics, the processor's query API). Handlers are pure functions
// of these, so they are unit-tested without a socket.
#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace kappa::http {

struct Request {
  std::string method;                          // "GET", "POST", ...
  std::string path;                            // as sent, percent-encoded (ASCII)
  std::vector<std::string> segments;           // path split on '/', each decoded, no empty ones
  std::map<std::string, std::string> query;    // decoded; a repeated name keeps the last value
  // The server answers 400 itself when a decoded segment or query part is
  // not valid UTF-8, so all of these are UTF-8.
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

using Handler = std::function<Response(const Request&)>;

// {"error": message} with `status`. Invalid UTF-8 in the message (a key
// echoed back, say) becomes U+FFFD rather than an exception.
inline Response json_error(int status, const std::string& message) {
  return Response{status, "application/json",
                  nlohmann::json{{"error", message}}.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                  {}};
}

}  // namespace kappa::http
