#include "core/event_order.h"

namespace kappa::processor {
namespace {

constexpr std::uint64_t kSignBit = std::uint64_t{1} << 63;

void put(char* at, std::uint64_t value, int bytes) {
  for (int i = bytes - 1; i >= 0; --i, value >>= 8) at[i] = static_cast<char>(value & 0xff);
}

std::uint64_t get(const char* at, int bytes) {
  std::uint64_t value = 0;
  for (int i = 0; i < bytes; ++i) value = value << 8 | static_cast<unsigned char>(at[i]);
  return value;
}

}  // namespace

std::array<char, kOrderBytes> encode_order(const EventOrder& order) {
  std::array<char, kOrderBytes> bytes{};
  put(bytes.data(), static_cast<std::uint64_t>(order.timestamp_ms) ^ kSignBit, 8);
  put(bytes.data() + 8, order.partition, 4);
  put(bytes.data() + 12, order.offset, 8);
  return bytes;
}

std::optional<EventOrder> decode_order(std::string_view bytes) {
  if (bytes.size() != kOrderBytes) return std::nullopt;
  EventOrder order;
  order.timestamp_ms = static_cast<std::int64_t>(get(bytes.data(), 8) ^ kSignBit);
  order.partition = static_cast<std::uint32_t>(get(bytes.data() + 8, 4));
  order.offset = get(bytes.data() + 12, 8);
  return order;
}

}  // namespace kappa::processor
