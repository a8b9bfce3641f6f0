#include "kube/rest_client.h"

#include <cpprest/http_client.h>

#include <boost/asio/ssl/context.hpp>
#include <fstream>
#include <sstream>

namespace kappa::kube {
namespace {

namespace http = web::http;
namespace client = web::http::client;

client::http_client_config make_http_config(const ClientConfig& config,
                                            std::chrono::milliseconds timeout) {
  client::http_client_config http_config;
  http_config.set_timeout(timeout);
  if (config.insecure_skip_tls_verify) {
    http_config.set_validate_certificates(false);
  }
  // cpprestsdk hands us the asio context before the handshake: trust the
  // cluster's CA and present the client certificate, both from memory.
  http_config.set_ssl_context_callback([config](boost::asio::ssl::context& ctx) {
    if (!config.ca_pem.empty()) {
      ctx.add_certificate_authority(boost::asio::buffer(config.ca_pem));
    } else {
      ctx.set_default_verify_paths();
    }
    if (!config.client_cert_pem.empty()) {
      ctx.use_certificate_chain(boost::asio::buffer(config.client_cert_pem));
      ctx.use_private_key(boost::asio::buffer(config.client_key_pem),
                          boost::asio::ssl::context::pem);
    }
  });
  return http_config;
}

}  // namespace

RestClient::RestClient(ClientConfig config, std::chrono::milliseconds timeout)
    : config_(std::move(config)),
      client_(std::make_unique<client::http_client>(utility::conversions::to_string_t(config_.server),
                                                    make_http_config(config_, timeout))) {}

RestClient::~RestClient() = default;

std::string RestClient::bearer_token() const {
  if (config_.bearer_token_file.empty()) return config_.bearer_token;
  // Re-read on every request: projected service-account tokens rotate.
  std::ifstream in(config_.bearer_token_file);
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string token = buffer.str();
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
  return token.empty() ? config_.bearer_token : token;
}

HttpResponse RestClient::send(const std::string& method, const std::string& path_and_query,
                              const std::string& body, const std::string& content_type) const {
  http::http_request request(utility::conversions::to_string_t(method));
  request.set_request_uri(utility::conversions::to_string_t(path_and_query));
  request.headers().add(U("Accept"), U("application/json"));
  if (const std::string token = bearer_token(); !token.empty()) {
    request.headers().add(U("Authorization"), U("Bearer ") + token);
  }
  if (!body.empty()) request.set_body(body, content_type);

  try {
    http::http_response response = client_->request(request).get();
    HttpResponse out;
    out.status = response.status_code();
    out.body = response.extract_utf8string(true).get();
    out.content_type = response.headers().content_type();
    if (auto it = response.headers().find(U("Retry-After")); it != response.headers().end()) {
      out.retry_after = it->second;
    }
    return out;
  } catch (const std::exception& e) {
    throw TransportError(method + " " + config_.server + path_and_query + ": " + e.what());
  }
}

}  // namespace kappa::kube
