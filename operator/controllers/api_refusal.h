#pragma once
// A write the API server refused for what it contained (422 Invalid, 400,
// 403 Forbidden by RBAC or an admission webhook): retrying the same write
// cannot help, so the reconcile reports it as Stalled/InvalidSpec with the
// server's own words instead of failing with backoff, and the active version
// keeps serving (docs/design.md, invariant 7).
#include <string>

#include "kube/api_error.h"

namespace kappa::controllers {

inline bool is_refusal(const kube::ApiError& e) {
  return e.kind() == kube::ApiErrorKind::Invalid || e.kind() == kube::ApiErrorKind::Forbidden ||
         e.kind() == kube::ApiErrorKind::BadRequest;
}

// A create refused because its namespace is being deleted. Nothing is wrong
// with the spec, and retrying cannot help: the namespace's deletion reaches
// the object itself, and its finalizer does the rest.
inline bool namespace_terminating(const kube::ApiError& e) {
  if (e.kind() != kube::ApiErrorKind::Forbidden) return false;
  for (const auto& cause : e.causes()) {
    if (cause.reason == "NamespaceTerminating") return true;
  }
  return e.message().find("because it is being terminated") != std::string::npos;
}

// The server's message (it names the object and the fields), bounded so a
// condition stays small.
inline std::string refusal_message(const kube::ApiError& e) {
  constexpr std::size_t kMax = 1024;
  std::string text = e.message();
  if (text.size() > kMax) text = text.substr(0, kMax) + "...";
  return "the API server refused a write (" + std::to_string(e.status()) + " " + e.reason() + "): " + text;
}

}  // namespace kappa::controllers
