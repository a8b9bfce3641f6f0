#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace kappa {

// Standard base64 (RFC 4648) with padding, as Kubernetes uses for Secret
// data and kubeconfig *-data fields. Decoding ignores whitespace and returns
// nullopt on anything else that is not base64.
std::string base64_encode(std::string_view bytes);
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace kappa
