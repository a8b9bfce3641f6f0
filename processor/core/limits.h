#pragma once
// Limits that keep one hostile event from crashing every replica (security
// item 3): nothing the processor reads may make it recurse without bound
// (nlohmann's copy, compare and dump recurse per nesting level), and
// nothing it writes may outgrow a Kafka message (a record over
// message.max.bytes fails its transaction, and the replay fails again: a
// crash loop). Events over a limit are bad records, with a reason.
#include <cstddef>
#include <string>
#include <string_view>

namespace kappa::processor::limits {

// Nesting levels of objects and arrays in one event. Far beyond real
// events, and shallow enough for every recursive JSON routine.
inline constexpr int kMaxEventDepth = 512;

// Bytes of one event (Kafka's default maximum message size, rounded up).
inline constexpr std::size_t kMaxEventBytes = std::size_t{1} << 20;

// Bytes of a view key: it is the key of an output row and of a changelog
// record, beside the state (a 999 KB key made records Kafka refuses).
inline constexpr std::size_t kMaxKeyBytes = 4096;

// Bytes of a bad record's detail (it goes into a dead-letter header).
inline constexpr std::size_t kMaxDetailBytes = 1024;

// JSON bytes of the values one key's state keeps from its events (`last`
// values and distinct sets), shared equally by those aggregates: a
// changelog record and an output row stay about half a megabyte or less,
// within Kafka's default 1 MB message.
inline constexpr std::size_t kMaxKeyStateBytes = std::size_t{512} << 10;

// `text` cut to at most `max` bytes (at a UTF-8 character boundary), with a
// note of the original size when cut.
std::string shorten(std::string_view text, std::size_t max = kMaxDetailBytes);

}  // namespace kappa::processor::limits
