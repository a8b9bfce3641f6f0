#include "kappa/common/logging.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <stdexcept>

#include "kappa/common/log_context.h"

namespace kappa {

namespace {

void append_json_escaped(std::string_view text, spdlog::memory_buf_t& dest);

// %k: the reconcile the line belongs to (kappa/common/log_context.h), as
// ` controller=… object=… reconcileID=…` in text or as JSON fields; nothing
// outside a reconcile.
class ReconcileContextFlag final : public spdlog::custom_flag_formatter {
 public:
  explicit ReconcileContextFlag(bool json) : json_(json) {}
  void format(const spdlog::details::log_msg&, const std::tm&, spdlog::memory_buf_t& dest) override {
    const LogContext& c = current_log_context();
    if (c.reconcile_id.empty()) return;
    const std::pair<std::string_view, const std::string*> fields[] = {
        {"controller", &c.controller}, {"object", &c.object}, {"reconcileID", &c.reconcile_id}};
    for (const auto& [name, value] : fields) {
      if (json_) {
        dest.append(std::string_view(",\""));
        dest.append(name);
        dest.append(std::string_view("\":\""));
        append_json_escaped(*value, dest);
        dest.push_back('"');
      } else {
        dest.push_back(' ');
        dest.append(name);
        dest.push_back('=');
        dest.append(std::string_view(*value));
      }
    }
  }
  std::unique_ptr<custom_flag_formatter> clone() const override { return std::make_unique<ReconcileContextFlag>(json_); }

 private:
  bool json_;
};

// %j: the message as the body of a JSON string (quotes, backslashes and
// control characters escaped), so a JSON log line stays one valid object
// whatever the message holds.
class JsonMessageFlag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&, spdlog::memory_buf_t& dest) override {
    append_json_escaped(std::string_view(msg.payload.data(), msg.payload.size()), dest);
  }
  std::unique_ptr<custom_flag_formatter> clone() const override { return std::make_unique<JsonMessageFlag>(); }
};

void append_json_escaped(std::string_view text, spdlog::memory_buf_t& dest) {
  static const char* hex = "0123456789abcdef";
  for (const char c : text) {
    switch (c) {
      case '"': dest.append(std::string_view("\\\"")); break;
      case '\\': dest.append(std::string_view("\\\\")); break;
      case '\n': dest.append(std::string_view("\\n")); break;
      case '\r': dest.append(std::string_view("\\r")); break;
      case '\t': dest.append(std::string_view("\\t")); break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          const char escaped[] = {'\\', 'u', '0', '0', hex[(c >> 4) & 15], hex[c & 15]};
          dest.append(escaped, escaped + sizeof(escaped));
        } else {
          dest.push_back(c);
        }
    }
  }
}

}  // namespace

std::unique_ptr<spdlog::formatter> make_log_formatter(const std::string& format) {
  auto formatter = std::make_unique<spdlog::pattern_formatter>();
  if (format == "json") {
    formatter->add_flag<JsonMessageFlag>('j');
    formatter->add_flag<ReconcileContextFlag>('k', true);
    formatter->set_pattern(R"({"ts":"%Y-%m-%dT%H:%M:%S.%e%z","level":"%l","thread":%t,"msg":"%j"%k})");
  } else {
    formatter->add_flag<ReconcileContextFlag>('k', false);
    formatter->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %^%-5l%$ [%t] %v%k");
  }
  return formatter;
}

void setup_logging(const std::string& level, const std::string& format) {
  const auto parsed = spdlog::level::from_str(level);
  // from_str maps anything unknown to "off"; only accept "off" when asked for.
  if (parsed == spdlog::level::off && level != "off") {
    throw std::invalid_argument("unknown log level '" + level +
                                "' (use trace, debug, info, warn, error, critical or off)");
  }
  if (format != "text" && format != "json") {
    throw std::invalid_argument("unknown log format '" + format + "' (use text or json)");
  }
  auto logger = spdlog::stderr_color_mt("kappa");
  logger->set_formatter(make_log_formatter(format));
  logger->set_level(parsed);
  spdlog::set_default_logger(std::move(logger));
}

}  // namespace kappa
