#pragma once
// The processor's HTTP API, as a pure function of the request:
//   GET /v1/keys/{key}              200 {"key": k, "value": row} | 404
//   GET /v1/keys?limit=N&after=K    200 {"items": [{"key", "value"}...], "next": K|null}
// (both with Hooks::answer_context's members, when set). A windowed view
// (Hooks::window_size_ms set) instead answers
//   GET /v1/keys/{key}              200 {"key": k, "windows": [{"start", "end", "value"}...]} newest first | 404
//   GET /v1/keys/{key}/windows/{s}  200 {"key": k, "start", "end", "value"} | 404; s: epoch ms or RFC 3339
// and lists one item per key and window ("value" has window_start, window_end).
//   GET /healthz, /readyz           200 | 503 {"status", "reason"?}
//   GET /metrics                    Prometheus text format
// Unknown paths 404, other methods 405, bad parameters 400 (JSON errors).
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "core/serving_table.h"
#include "kappa/common/http_types.h"

namespace kappa::processor {

class ServingApi {
 public:
  struct Hooks {
    // Empty when ready, else why not (shown in the 503 body).
    std::function<std::string()> not_ready_reason;
    std::function<std::string()> not_healthy_reason;
    std::function<std::string()> metrics_text;
    // More members of every /v1/keys answer, as JSON text without braces
    // (a Lambda speed layer: "generation":3,"snapshot":{"0":120}); "" for none.
    std::string answer_context;
    // A windowed view: its window size (the table's keys are "<key>@<start>").
    std::optional<std::int64_t> window_size_ms;
  };
  static constexpr std::size_t kDefaultLimit = 100;
  static constexpr std::size_t kMaxLimit = 1000;

  ServingApi(const ServingTable& table, Hooks hooks) : table_(table), hooks_(std::move(hooks)) {}

  http::Response handle(const http::Request& request) const;

 private:
  http::Response get_key(const std::string& key) const;
  http::Response get_windows(const std::string& key) const;
  http::Response get_window(const std::string& key, const std::string& start) const;
  http::Response list_keys(const http::Request& request) const;
  void with_context(std::string& body) const;
  http::Response probe(const std::function<std::string()>& reason, const char* ok_status) const;

  const ServingTable& table_;
  Hooks hooks_;
};

}  // namespace kappa::processor
