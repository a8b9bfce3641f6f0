#pragma once
// The order of the events of a repartitioned input (KAPPA_INPUT_KEYING=Any).
// A key's events may come from several input partitions, which have no log
// order among them, and the repartition topic's order depends on how the
// routing stage interleaved its partitions. So the events are ordered by
// (record timestamp, input partition, input offset) of the input record,
// which every replay sees alike; `last` keeps the latest by this order.
//
// The routing stage writes it into a header, kOrderHeader, of 20 bytes,
// big-endian: the timestamp as offset binary (the sign bit flipped, so that
// negative times sort first), the partition (uint32), the offset (uint64).
// Comparing the bytes compares the orders.
#include <array>
#include <compare>
#include <cstdint>
#include <limits>
#include <optional>
#include <string_view>

namespace kappa::processor {

struct EventOrder {
  std::int64_t timestamp_ms = std::numeric_limits<std::int64_t>::min();
  std::uint32_t partition = 0;
  std::uint64_t offset = 0;

  // Member by member, as declared: timestamp, then partition, then offset.
  auto operator<=>(const EventOrder&) const = default;
};

inline constexpr const char* kOrderHeader = "kappa.order";
inline constexpr std::size_t kOrderBytes = 20;

std::array<char, kOrderBytes> encode_order(const EventOrder& order);
// nullopt when `bytes` is not kOrderBytes long.
std::optional<EventOrder> decode_order(std::string_view bytes);

}  // namespace kappa::processor
