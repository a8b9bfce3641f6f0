#pragma once
// Appends JSON text to a std::string, byte for byte as nlohmann::json's
// dump() writes the same values (compact, UTF-8 kept as is, doubles in
// nlohmann's shortest round-trip form: 1.0 stays "1.0", non-finite is null),
// without building a document. Strings must be valid UTF-8 (every string
// the processor writes comes from parsed JSON or the view definition).
#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace kappa::processor::json_writer {

void append_string(std::string& out, std::string_view text);
// The bytes append_string(out, text) appends, quotes included.
std::size_t string_size(std::string_view text);
void append_integer(std::string& out, std::int64_t value);
void append_unsigned(std::string& out, std::uint64_t value);
void append_double(std::string& out, double value);
void append_json(std::string& out, const nlohmann::json& value);  // any value, via nlohmann

}  // namespace kappa::processor::json_writer
