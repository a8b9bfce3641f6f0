#pragma once
#include <string>
#include <utility>
#include <vector>

namespace kappa::kube {

// Percent-encodes a query value (RFC 3986 unreserved characters pass).
std::string url_encode(const std::string& value);

// Joins key=value pairs into "?a=1&b=2", skipping empty values.
std::string query_string(const std::vector<std::pair<std::string, std::string>>& params);

}  // namespace kappa::kube
