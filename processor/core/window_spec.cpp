#include "core/window_spec.h"

#include <charconv>
#include <stdexcept>

#include "core/errors.h"

namespace kappa::processor {
namespace {

constexpr std::int64_t kMaxDurationMs = 1000000LL * 86400 * 1000;  // the SQL compiler's INTERVAL limit

std::int64_t duration_member(const nlohmann::json& value, const std::string& where, bool positive) {
  if (!value.is_string()) throw ConfigError(where, "must be a duration string such as \"500ms\", \"60s\", \"5m\", \"2h\", \"1d\"");
  const auto ms = parse_duration(value.get<std::string>());
  if (!ms) {
    throw ConfigError(where, "not a duration: " + value.dump() +
                                 " (a whole number and a unit: ms, s, m, h, d, e.g. \"60s\"; at most a million days)");
  }
  if (positive && *ms == 0) throw ConfigError(where, "must be more than zero");
  return *ms;
}

}  // namespace

std::optional<std::int64_t> parse_duration(const std::string& text) {
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  if (digits == 0 || digits > 15) return std::nullopt;
  std::int64_t amount = 0;
  std::from_chars(text.data(), text.data() + digits, amount);
  const std::string unit = text.substr(digits);
  std::int64_t scale = 0;
  if (unit == "ms") scale = 1;
  else if (unit == "s") scale = 1000;
  else if (unit == "m") scale = 60 * 1000;
  else if (unit == "h") scale = 3600 * 1000;
  else if (unit == "d") scale = 86400 * 1000;
  else return std::nullopt;
  if (amount > kMaxDurationMs / scale) return std::nullopt;
  return amount * scale;
}

WindowSpec WindowSpec::parse(const nlohmann::json& value, const std::string& where) {
  if (!value.is_object()) {
    throw ConfigError(where, "must be an object such as {\"field\": \"ts\", \"size\": \"60s\"}");
  }
  WindowSpec spec;
  bool have_field = false, have_size = false;
  for (const auto& [member, item] : value.items()) {
    const std::string at = where + "." + member;
    if (member == "field") {
      if (!item.is_string()) throw ConfigError(at, "must be a string naming the event-time field");
      try {
        spec.field = FieldPath::parse(item.get<std::string>());
      } catch (const std::invalid_argument& e) {
        throw ConfigError(at, e.what());
      }
      have_field = true;
    } else if (member == "size") {
      spec.size_ms = duration_member(item, at, true);
      have_size = true;
    } else if (member == "allowedLateness") {
      spec.allowed_lateness_ms = duration_member(item, at, false);
    } else if (member == "retention") {
      spec.retention_ms = duration_member(item, at, false);
    } else {
      throw ConfigError(at, "unknown member (use field, size, allowedLateness, retention)");
    }
  }
  if (!have_field) throw ConfigError(where + ".field", "required: the event field holding the event time");
  if (!have_size) throw ConfigError(where + ".size", "required: the window's length, e.g. \"60s\"");
  return spec;
}

nlohmann::json WindowSpec::canonical() const {
  return {{"field", field.text()},
          {"size_ms", size_ms},
          {"allowed_lateness_ms", allowed_lateness_ms},
          {"retention_ms", retention_ms}};
}

}  // namespace kappa::processor
