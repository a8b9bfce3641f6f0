#pragma once
// Event time for windowed views: an event's time field is epoch milliseconds
// (a JSON integer or number) or an RFC 3339 string; windows are
// [floor(ts / size) * size, + size) in epoch milliseconds, and a window's
// state lives under the key "<view key>@<window start>".
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "core/event_fields.h"

namespace kappa::processor::event_time {

// Times from 0000-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z: what RFC
// 3339 can write, and far from int64 overflow in window arithmetic.
inline constexpr std::int64_t kMinMs = -62167219200000LL;
inline constexpr std::int64_t kMaxMs = 253402300799999LL;

// The time in epoch ms, or why the value is not one (for a wrong_type
// detail). A fractional number of ms is rounded down; so are fractions of
// a second finer than 1 ms in RFC 3339.
std::variant<std::int64_t, std::string> from_field(const FieldValue& value);

// "2026-12-07T05:30:00Z", "2026-12-07T05:30:00.123+01:00" (also 't', 'z',
// lower case); nullopt when not RFC 3339 or out of range.
std::optional<std::int64_t> parse_rfc3339(std::string_view text);

// Epoch ms as RFC 3339 UTC with milliseconds: "2026-12-07T05:30:00.000Z".
// Years outside 0000-9999 (a window start can be) are written with a sign.
std::string format_rfc3339(std::int64_t ms);

// The start of the window of size `size_ms` holding `ms` (floor, also for
// negative times).
inline std::int64_t window_start(std::int64_t ms, std::int64_t size_ms) {
  std::int64_t q = ms / size_ms;
  if (ms % size_ms != 0 && ms < 0) --q;
  return q * size_ms;
}

// "<key>@<start>" into `out` (after what it holds).
void append_window_suffix(std::string& out, std::int64_t start);
struct WindowKey {
  std::string_view key;
  std::int64_t start;
};
// The view key and window start of a state key, split at the last '@';
// nullopt when it is not "<key>@<integer>".
std::optional<WindowKey> split_window_key(std::string_view state_key);

}  // namespace kappa::processor::event_time
