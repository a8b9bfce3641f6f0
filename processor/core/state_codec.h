#pragma once
// The bytes a key's state and its output row take on Kafka.
//
// Changelog (state topic) value:
//   {"v": 1, "view": "<fingerprint>", "a": {"<aggregate>": <encoded>, ...}}
// where a distinct set is encoded whole, as an array of its values.
// Output (table topic) value: {"<aggregate>": <rendered value>, ...}.
#include <string>
#include <string_view>

#include "core/aggregates.h"
#include "core/view_definition.h"

namespace kappa::processor {

std::string encode_state(const ViewDefinition& view, const KeyState& state);

// Throws std::invalid_argument saying what is wrong: not JSON, another
// format version, written by another view definition, a missing or invalid
// aggregate.
KeyState decode_state(const ViewDefinition& view, std::string_view bytes);

std::string render_output(const ViewDefinition& view, const KeyState& state);

}  // namespace kappa::processor
