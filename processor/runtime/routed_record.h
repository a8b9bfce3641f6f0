#pragma once
// What a record routed through the repartition topic carries of its input
// record, in headers written by the routing stage and read by the folding
// stage: its event order (core/event_order.h, for `last`) and its input
// topic (with the order's partition and offset: where a dead letter of it
// points, the input record a user can find, not the repartition topic's
// copy of it).
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafkacpp.h>

#include <memory>
#include <optional>

#include "core/dead_letter.h"
#include "core/event_order.h"

namespace kappa::processor {

inline constexpr const char* kSourceTopicHeader = "kappa.source.topic";

// The headers of `input`, an input record, routed: its order and its topic.
std::unique_ptr<RdKafka::Headers> routed_headers(const rd_kafka_message_t& input);

// A routed record's order; nullopt when it has no valid order header.
std::optional<EventOrder> order_of(const rd_kafka_message_t& routed);

// A routed record's input record; nullopt without both headers. The topic
// points into the message's headers: use it while the message lives.
std::optional<BadRecordOrigin> origin_of(const rd_kafka_message_t& routed);

}  // namespace kappa::processor
