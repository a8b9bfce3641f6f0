#include "runtime/routed_record.h"

#include <string_view>

namespace kappa::processor {
namespace {

std::optional<std::string_view> header(const rd_kafka_message_t& message, const char* name) {
  rd_kafka_headers_t* headers = nullptr;  // owned by the message
  if (rd_kafka_message_headers(&message, &headers) != RD_KAFKA_RESP_ERR_NO_ERROR) return std::nullopt;
  const void* value = nullptr;
  std::size_t size = 0;
  if (rd_kafka_header_get_last(headers, name, &value, &size) != RD_KAFKA_RESP_ERR_NO_ERROR || value == nullptr) {
    return std::nullopt;
  }
  return std::string_view(static_cast<const char*>(value), size);
}

}  // namespace

std::unique_ptr<RdKafka::Headers> routed_headers(const rd_kafka_message_t& input) {
  EventOrder order;
  order.timestamp_ms = rd_kafka_message_timestamp(&input, nullptr);  // -1 when the record has none
  order.partition = static_cast<std::uint32_t>(input.partition);
  order.offset = static_cast<std::uint64_t>(input.offset);
  const auto bytes = encode_order(order);
  const std::string_view topic = rd_kafka_topic_name(input.rkt);
  std::unique_ptr<RdKafka::Headers> headers(RdKafka::Headers::create());
  headers->add(kOrderHeader, bytes.data(), bytes.size());
  headers->add(kSourceTopicHeader, topic.data(), topic.size());
  return headers;
}

std::optional<EventOrder> order_of(const rd_kafka_message_t& routed) {
  const auto bytes = header(routed, kOrderHeader);
  return bytes ? decode_order(*bytes) : std::nullopt;
}

std::optional<BadRecordOrigin> origin_of(const rd_kafka_message_t& routed) {
  const auto order = order_of(routed);
  const auto topic = header(routed, kSourceTopicHeader);
  if (!order || !topic) return std::nullopt;
  return BadRecordOrigin{*topic, static_cast<int32_t>(order->partition), static_cast<int64_t>(order->offset)};
}

}  // namespace kappa::processor
