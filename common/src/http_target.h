#pragma once
// The request target ("/v1/keys/a%20b?limit=5") as a Request: split,
// percent-decoded, and refused (nullopt, a 400) when it is not ASCII, its
// percent-encoding is broken or it decodes to invalid UTF-8, so handlers
// only ever see text they can put into JSON.
#include <optional>
#include <string>
#include <string_view>

#include "kappa/common/http_types.h"

namespace kappa::http {

std::optional<Request> parse_target(std::string method, std::string_view target);

// Percent-decoding; nullopt for a '%' not followed by two hex digits.
std::optional<std::string> percent_decode(std::string_view text);

bool is_valid_utf8(std::string_view text);

}  // namespace kappa::http
