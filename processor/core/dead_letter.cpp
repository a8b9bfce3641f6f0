#include "core/dead_letter.h"

#include <algorithm>

#include "core/limits.h"

namespace kappa::processor {
namespace {

// Record framing (attributes, timestamp and offset deltas, varint lengths)
// and the batch's share: generous, so that the producer never refuses.
constexpr std::size_t kRecordOverhead = 512;
constexpr std::size_t kHeaderOverhead = 10;  // varint lengths of name and value
// A key longer than this is cut first when the record does not fit.
constexpr std::size_t kMaxKeptKeyBytes = 1024;

}  // namespace

std::size_t DeadLetter::size() const {
  std::size_t bytes = kRecordOverhead + key.size() + value.size();
  for (const auto& [name, text] : headers) bytes += kHeaderOverhead + name.size() + text.size();
  return bytes;
}

DeadLetter make_dead_letter(std::string_view key, std::string_view value, std::string_view reason,
                            std::string_view detail, const BadRecordOrigin& origin, std::size_t max_bytes) {
  DeadLetter letter;
  letter.headers = {{"kappa.error.reason", limits::shorten(reason, 64)},
                    {"kappa.error.detail", limits::shorten(detail)},
                    {"kappa.source.topic", std::string(origin.topic)},
                    {"kappa.source.partition", std::to_string(origin.partition)},
                    {"kappa.source.offset", std::to_string(origin.offset)}};
  letter.key.assign(key);
  if (letter.size() + value.size() > max_bytes && key.size() > kMaxKeptKeyBytes) {
    letter.key.resize(kMaxKeptKeyBytes);  // raw bytes: a Kafka key is not text
    letter.headers.emplace_back("kappa.key.truncated", std::to_string(key.size()));
  }
  const std::size_t whole = letter.size() + value.size();
  if (whole <= max_bytes) {
    letter.value.assign(value);
    return letter;
  }
  letter.headers.emplace_back("kappa.payload.truncated", std::to_string(value.size()));
  const std::size_t room = max_bytes > letter.size() ? max_bytes - letter.size() : 0;
  letter.value.assign(value.substr(0, std::min(room, value.size())));
  return letter;
}

}  // namespace kappa::processor
