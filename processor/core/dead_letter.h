#pragma once
// The dead-letter record of one bad record, fitted into one Kafka message.
// A dead letter too large for the producer's message.max.bytes fails its
// transaction, and the replay fails again (a crash loop); so the detail is
// short (limits::shorten) and a payload or key that does not fit is cut,
// with a header giving its original size.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kappa::processor {

struct DeadLetter {
  std::string key, value;
  std::vector<std::pair<std::string, std::string>> headers;  // in order

  // Bytes on the wire, as the producer counts them against message.max.bytes
  // (a few bytes of framing per header included).
  std::size_t size() const;
};

struct BadRecordOrigin {
  std::string_view topic;
  int32_t partition = 0;
  int64_t offset = 0;
};

// Headers kappa.error.reason, kappa.error.detail, kappa.source.topic,
// .partition, .offset; and kappa.key.truncated / kappa.payload.truncated
// (the original size in bytes) when the key or payload had to be cut for the
// record to stay within `max_bytes`.
DeadLetter make_dead_letter(std::string_view key, std::string_view value, std::string_view reason,
                            std::string_view detail, const BadRecordOrigin& origin, std::size_t max_bytes);

}  // namespace kappa::processor
