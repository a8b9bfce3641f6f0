#include "kube/api_error.h"

#include <gtest/gtest.h>

namespace {

using kappa::kube::api_error_from;
using kappa::kube::ApiErrorKind;
using kappa::kube::HttpResponse;

HttpResponse status_response(int code, const std::string& reason, const std::string& extra = "") {
  HttpResponse r;
  r.status = code;
  r.body = R"({"kind":"Status","apiVersion":"v1","status":"Failure","message":"the message","reason":")" +
           reason + "\"" + extra + "}";
  return r;
}

TEST(ApiError, ClassifiesByStatusAndReason) {
  EXPECT_EQ(api_error_from(status_response(404, "NotFound"), "GET x").kind(), ApiErrorKind::NotFound);
  EXPECT_EQ(api_error_from(status_response(409, "Conflict"), "PUT x").kind(), ApiErrorKind::Conflict);
  EXPECT_EQ(api_error_from(status_response(409, "AlreadyExists"), "POST x").kind(), ApiErrorKind::AlreadyExists);
  EXPECT_EQ(api_error_from(status_response(410, "Expired"), "GET x").kind(), ApiErrorKind::Gone);
  EXPECT_EQ(api_error_from(status_response(403, "Forbidden"), "GET x").kind(), ApiErrorKind::Forbidden);
  EXPECT_EQ(api_error_from(status_response(500, "InternalError"), "GET x").kind(), ApiErrorKind::ServerError);
  EXPECT_EQ(api_error_from(status_response(504, "Timeout"), "GET x").kind(), ApiErrorKind::Timeout);
}

TEST(ApiError, InvalidCarriesFieldCauses) {
  const auto error = api_error_from(
      status_response(422, "Invalid",
                      R"(,"details":{"causes":[{"reason":"FieldValueInvalid","message":"bad","field":"spec.maxLag"}]})"),
      "POST pipelines");
  EXPECT_EQ(error.kind(), ApiErrorKind::Invalid);
  ASSERT_EQ(error.causes().size(), 1u);
  EXPECT_EQ(error.causes()[0].field, "spec.maxLag");
  EXPECT_EQ(error.causes()[0].reason, "FieldValueInvalid");
  EXPECT_NE(std::string(error.what()).find("POST pipelines: HTTP 422 Invalid: the message"), std::string::npos);
}

TEST(ApiError, RetryAfterFromHeaderOrDetails) {
  auto throttled = status_response(429, "TooManyRequests");
  throttled.retry_after = "7";
  EXPECT_EQ(api_error_from(throttled, "GET x").retry_after_seconds(), 7);
  const auto from_details =
      api_error_from(status_response(429, "TooManyRequests", R"(,"details":{"retryAfterSeconds":3})"), "GET x");
  EXPECT_EQ(from_details.kind(), ApiErrorKind::TooManyRequests);
  EXPECT_EQ(from_details.retry_after_seconds(), 3);
}

TEST(ApiError, NonStatusBodyIsQuoted) {
  HttpResponse r;
  r.status = 502;
  r.body = "<html>bad gateway</html>";
  const auto error = api_error_from(r, "GET x");
  EXPECT_EQ(error.kind(), ApiErrorKind::ServerError);
  EXPECT_NE(std::string(error.what()).find("bad gateway"), std::string::npos);
}

}  // namespace
