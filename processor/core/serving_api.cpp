#include "core/serving_api.h"

#include <nlohmann/json.hpp>

#include <charconv>

#include "core/event_time.h"

namespace kappa::processor {
namespace {

http::Response json_ok(std::string body) { return http::Response{200, "application/json", std::move(body), {}}; }

http::Response method_not_allowed(const http::Request& request) {
  auto response = http::json_error(405, "method " + request.method + " is not allowed on " + request.path + " (use GET)");
  response.headers.emplace_back("Allow", "GET");
  return response;
}

// A key as a JSON string. Keys come from the input topic and need not be
// UTF-8: an invalid byte becomes U+FFFD instead of an exception (a 500).
std::string key_json(const std::string& key) {
  return nlohmann::json(key).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// {"key": <key>, "value": <row>} without re-parsing the stored row.
std::string item_json(const std::string& key, const std::string& row) {
  return "{\"key\":" + key_json(key) + ",\"value\":" + row + "}";
}

bool is(const http::Request& request, std::initializer_list<const char*> segments) {
  if (request.segments.size() != segments.size()) return false;
  std::size_t i = 0;
  for (const char* segment : segments) {
    if (request.segments[i++] != segment) return false;
  }
  return true;
}

}  // namespace

http::Response ServingApi::handle(const http::Request& request) const {
  const bool keys_path = request.segments.size() >= 2 && request.segments[0] == "v1" && request.segments[1] == "keys";
  const bool known = keys_path || is(request, {"healthz"}) || is(request, {"readyz"}) || is(request, {"metrics"});
  const bool windowed = hooks_.window_size_ms.has_value();
  const bool window_path = windowed && keys_path && request.segments.size() == 5 && request.segments[3] == "windows";
  if (!known || (keys_path && request.segments.size() > 3 && !window_path)) {
    return http::json_error(404, "no such path: " + request.path + " (use /v1/keys/{key}, " +
                                     (windowed ? "/v1/keys/{key}/windows/{start}, " : "") +
                                     "/v1/keys, /healthz, /readyz, /metrics)");
  }
  if (request.method != "GET") return method_not_allowed(request);
  if (window_path) return get_window(request.segments[2], request.segments[4]);
  if (keys_path && request.segments.size() == 3) {
    return windowed ? get_windows(request.segments[2]) : get_key(request.segments[2]);
  }
  if (keys_path) return list_keys(request);
  if (is(request, {"healthz"})) return probe(hooks_.not_healthy_reason, "ok");
  if (is(request, {"readyz"})) return probe(hooks_.not_ready_reason, "ready");
  return http::Response{200, "text/plain; version=0.0.4; charset=utf-8",
                        hooks_.metrics_text ? hooks_.metrics_text() : std::string(), {}};
}

http::Response ServingApi::get_key(const std::string& key) const {
  const auto row = table_.get(key);
  if (!row) return http::json_error(404, "key not found: " + key);
  std::string body = item_json(key, *row);
  with_context(body);
  return json_ok(std::move(body));
}

namespace {

std::string window_json(std::int64_t start, std::int64_t size, const std::string& row) {
  return "\"start\":\"" + event_time::format_rfc3339(start) + "\",\"end\":\"" +
         event_time::format_rfc3339(start + size) + "\",\"value\":" + row;
}

// A window start in a path: epoch ms or RFC 3339.
std::optional<std::int64_t> instant(const std::string& text) {
  std::int64_t ms = 0;
  const auto* end = text.data() + text.size();
  const auto [ptr, error] = std::from_chars(text.data(), end, ms);
  constexpr std::int64_t kFar = std::int64_t{1} << 62;  // window arithmetic stays far from overflow
  if (!text.empty() && error == std::errc() && ptr == end) return ms > -kFar && ms < kFar ? std::optional(ms) : std::nullopt;
  return event_time::parse_rfc3339(text);
}

}  // namespace

http::Response ServingApi::get_windows(const std::string& key) const {
  const auto windows = table_.windows(key);
  if (windows.empty()) return http::json_error(404, "key not found: " + key);
  std::string body = "{\"key\":" + key_json(key) + ",\"windows\":[";
  for (std::size_t i = 0; i < windows.size(); ++i) {
    if (i) body += ',';
    body += '{' + window_json(windows[i].first, *hooks_.window_size_ms, windows[i].second) + '}';
  }
  body += "]}";
  with_context(body);
  return json_ok(std::move(body));
}

http::Response ServingApi::get_window(const std::string& key, const std::string& start_text) const {
  const auto size = *hooks_.window_size_ms;
  const auto start = instant(start_text);
  if (!start) {
    return http::json_error(400, "window start '" + start_text +
                                     "' is neither epoch milliseconds nor an RFC 3339 time (2026-12-07T05:30:00Z)");
  }
  if (event_time::window_start(*start, size) != *start) {
    return http::json_error(400, "'" + start_text + "' is not a window start: windows are " + std::to_string(size) +
                                     " ms long; the window holding it starts at " +
                                     std::to_string(event_time::window_start(*start, size)) + " (" +
                                     event_time::format_rfc3339(event_time::window_start(*start, size)) + ")");
  }
  std::string state_key = key;
  event_time::append_window_suffix(state_key, *start);
  const auto row = table_.get(state_key);
  if (!row) {
    return http::json_error(404, "no window of key " + key + " starts at " + event_time::format_rfc3339(*start));
  }
  std::string body = "{\"key\":" + key_json(key) + "," + window_json(*start, size, *row) + "}";
  with_context(body);
  return json_ok(std::move(body));
}

http::Response ServingApi::list_keys(const http::Request& request) const {
  std::size_t limit = kDefaultLimit;
  std::string after;
  for (const auto& [name, value] : request.query) {
    if (name == "limit") {
      const auto* end = value.data() + value.size();
      const auto [ptr, error] = std::from_chars(value.data(), end, limit);
      if (value.empty() || error != std::errc() || ptr != end || limit < 1 || limit > kMaxLimit) {
        return http::json_error(400, "limit must be an integer from 1 to " + std::to_string(kMaxLimit) + ", not '" +
                                         value + "'");
      }
    } else if (name == "after") {
      after = value;
    } else {
      return http::json_error(400, "unknown query parameter '" + name + "' (use limit, after)");
    }
  }
  const auto page = table_.list(after, limit);
  std::string body = "{\"items\":[";
  for (std::size_t i = 0; i < page.rows.size(); ++i) {
    if (i) body += ',';
    const auto& [key, row] = page.rows[i];
    const auto split = hooks_.window_size_ms ? event_time::split_window_key(key) : std::nullopt;
    body += item_json(split ? std::string(split->key) : key, row);  // a window's row names its window
  }
  body += "],\"next\":";
  body += page.next_after ? key_json(*page.next_after) : "null";
  body += '}';
  with_context(body);
  return json_ok(std::move(body));
}

// Inserts the answer context's members before the closing brace.
void ServingApi::with_context(std::string& body) const {
  if (hooks_.answer_context.empty()) return;
  body.pop_back();
  body += ',';
  body += hooks_.answer_context;
  body += '}';
}

http::Response ServingApi::probe(const std::function<std::string()>& reason, const char* ok_status) const {
  const std::string why = reason ? reason() : std::string();
  if (why.empty()) return json_ok(nlohmann::json{{"status", ok_status}}.dump());
  return http::Response{503, "application/json", nlohmann::json{{"status", "unavailable"}, {"reason", why}}.dump(), {}};
}

}  // namespace kappa::processor
