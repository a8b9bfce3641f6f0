#include "kube/api_error.h"

#include <nlohmann/json.hpp>

namespace kappa::kube {
namespace {

ApiErrorKind kind_of(int status, const std::string& reason) {
  if (reason == "AlreadyExists") return ApiErrorKind::AlreadyExists;
  if (reason == "Conflict") return ApiErrorKind::Conflict;
  if (reason == "Timeout") return ApiErrorKind::Timeout;
  if (reason == "Expired" || reason == "Gone") return ApiErrorKind::Gone;
  switch (status) {
    case 400: return ApiErrorKind::BadRequest;
    case 401: return ApiErrorKind::Unauthorized;
    case 403: return ApiErrorKind::Forbidden;
    case 404: return ApiErrorKind::NotFound;
    case 409: return ApiErrorKind::Conflict;
    case 410: return ApiErrorKind::Gone;
    case 422: return ApiErrorKind::Invalid;
    case 429: return ApiErrorKind::TooManyRequests;
    case 504: return ApiErrorKind::Timeout;
    default: return status >= 500 ? ApiErrorKind::ServerError : ApiErrorKind::Other;
  }
}

std::optional<int> parse_seconds(const std::string& text) {
  try {
    std::size_t used = 0;
    const int value = std::stoi(text, &used);
    if (used == text.size() && value >= 0) return value;
  } catch (const std::exception&) {
  }
  return std::nullopt;
}

}  // namespace

const char* to_string(ApiErrorKind kind) {
  switch (kind) {
    case ApiErrorKind::BadRequest: return "BadRequest";
    case ApiErrorKind::Unauthorized: return "Unauthorized";
    case ApiErrorKind::Forbidden: return "Forbidden";
    case ApiErrorKind::NotFound: return "NotFound";
    case ApiErrorKind::Conflict: return "Conflict";
    case ApiErrorKind::AlreadyExists: return "AlreadyExists";
    case ApiErrorKind::Gone: return "Gone";
    case ApiErrorKind::Invalid: return "Invalid";
    case ApiErrorKind::TooManyRequests: return "TooManyRequests";
    case ApiErrorKind::ServerError: return "ServerError";
    case ApiErrorKind::Timeout: return "Timeout";
    case ApiErrorKind::Other: return "Other";
  }
  return "Other";
}

ApiError::ApiError(ApiErrorKind kind, int status, std::string reason, std::string message,
                   std::vector<FieldCause> causes, std::optional<int> retry_after_seconds)
    : std::runtime_error(message),
      kind_(kind),
      status_(status),
      reason_(std::move(reason)),
      message_(std::move(message)),
      causes_(std::move(causes)),
      retry_after_(retry_after_seconds) {}

ApiError api_error_from(const HttpResponse& response, const std::string& what) {
  std::string reason;
  std::string message;
  std::vector<FieldCause> causes;
  std::optional<int> retry_after = parse_seconds(response.retry_after);
  // The body is a metav1.Status when the apiserver answered; a proxy or an
  // early failure may send anything, which we then quote as it is.
  const auto status = nlohmann::json::parse(response.body, nullptr, false);
  if (status.is_object() && status.value("kind", "") == "Status") {
    reason = status.value("reason", "");
    message = status.value("message", "");
    if (const auto details = status.find("details"); details != status.end() && details->is_object()) {
      if (!retry_after && details->contains("retryAfterSeconds")) {
        retry_after = details->value("retryAfterSeconds", 0);
      }
      for (const auto& cause : details->value("causes", nlohmann::json::array())) {
        causes.push_back({cause.value("field", ""), cause.value("reason", ""), cause.value("message", "")});
      }
    }
  } else {
    message = response.body.substr(0, 512);
  }
  const ApiErrorKind kind = kind_of(response.status, reason);
  std::string text = what + ": HTTP " + std::to_string(response.status) + " " + to_string(kind);
  if (!message.empty()) text += ": " + message;
  return ApiError(kind, response.status, std::move(reason), std::move(text), std::move(causes), retry_after);
}

}  // namespace kappa::kube
