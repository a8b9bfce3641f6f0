#pragma once
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "kube/rest_client.h"

namespace kappa::kube {

// What kind of failure an API answer is, from its HTTP status and the
// Status object's reason (as apimachinery's errors.IsNotFound etc. decide).
enum class ApiErrorKind {
  BadRequest,
  Unauthorized,
  Forbidden,
  NotFound,
  Conflict,       // 409 with reason Conflict: a stale resourceVersion
  AlreadyExists,  // 409 with reason AlreadyExists
  Gone,           // 410: the resourceVersion was compacted; relist
  Invalid,        // 422: failed validation, with field causes
  TooManyRequests,
  ServerError,
  Timeout,        // 504, or reason Timeout
  Other,
};

const char* to_string(ApiErrorKind kind);

struct FieldCause {
  std::string field;    // e.g. spec.rollout.maxLag
  std::string reason;   // e.g. FieldValueInvalid
  std::string message;
};

// An API request the server refused. Carries the Status object's details so
// callers can branch on kind() and surface message() in conditions.
class ApiError : public std::runtime_error {
 public:
  ApiError(ApiErrorKind kind, int status, std::string reason, std::string message,
           std::vector<FieldCause> causes, std::optional<int> retry_after_seconds);

  ApiErrorKind kind() const { return kind_; }
  int status() const { return status_; }
  const std::string& reason() const { return reason_; }
  const std::string& message() const { return message_; }
  const std::vector<FieldCause>& causes() const { return causes_; }
  // Seconds the server asked us to wait (429 / 503 Retry-After, or details).
  std::optional<int> retry_after_seconds() const { return retry_after_; }

 private:
  ApiErrorKind kind_;
  int status_;
  std::string reason_;
  std::string message_;
  std::vector<FieldCause> causes_;
  std::optional<int> retry_after_;
};

// Builds the ApiError a non-2xx answer stands for; `what` says which request.
ApiError api_error_from(const HttpResponse& response, const std::string& what);

inline bool is_not_found(const std::exception& e) {
  const auto* api = dynamic_cast<const ApiError*>(&e);
  return api && api->kind() == ApiErrorKind::NotFound;
}
inline bool is_conflict(const std::exception& e) {
  const auto* api = dynamic_cast<const ApiError*>(&e);
  return api && api->kind() == ApiErrorKind::Conflict;
}

}  // namespace kappa::kube
