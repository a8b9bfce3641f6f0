#pragma once
// The bytes a key's state and its output row take on Kafka.
//
// Changelog (state topic) value:
//   {"a":{"<aggregate>":<encoded>,...},"v":1,"view":"<fingerprint>"}
// where a distinct set is encoded whole, as an array of its values, and a
// `last` of a repartitioned input (view.event_order) as
// [[timestamp, partition, offset], value] (aggregates.h, encode()).
// Output (table topic) value: {"<aggregate>":<rendered value>,...}.
// Both are written directly (no document built), byte for byte as
// nlohmann::json's dump() writes the same object: members in name order,
// compact, a double sum keeps its fraction or ".0" (so it decodes as a
// double again).
#include <cstdint>
#include <string>
#include <string_view>

#include "core/aggregates.h"
#include "core/view_definition.h"

namespace kappa::processor {

std::string encode_state(const ViewDefinition& view, const KeyState& state);
// The same, into `out` (cleared first; reuse it to avoid allocations).
void encode_state(const ViewDefinition& view, const KeyState& state, std::string& out);

// Throws std::invalid_argument saying what is wrong: not JSON, another
// format version, written by another view definition, a missing or invalid
// aggregate.
KeyState decode_state(const ViewDefinition& view, std::string_view bytes);

std::string render_output(const ViewDefinition& view, const KeyState& state);
void render_output(const ViewDefinition& view, const KeyState& state, std::string& out);

// The output row of `state_key`: render_output, and in a windowed view
// {"window_start":"<RFC 3339>","window_end":"<RFC 3339>",<aggregates>}
// (the window read from the key, "<view key>@<start ms>").
void render_row(const ViewDefinition& view, std::string_view state_key, const KeyState& state, std::string& out);
std::string render_row(const ViewDefinition& view, std::string_view state_key, const KeyState& state);

// A windowed view's watermark of one input partition, in the changelog: key
// kWatermarkKey (no state key has the form "...@" + non-digits) and a header
// kWatermarkHeader, value {"v":1,"view":"<fingerprint>","watermark":<ms>}.
inline constexpr std::string_view kWatermarkKey = "@watermark";
inline constexpr const char* kWatermarkHeader = "kappa.watermark";
std::string encode_watermark(const ViewDefinition& view, std::int64_t watermark_ms);
// Throws std::invalid_argument as decode_state.
std::int64_t decode_watermark(const ViewDefinition& view, std::string_view bytes);

}  // namespace kappa::processor
