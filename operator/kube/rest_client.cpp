#include "kube/rest_client.h"

// spdlog (fmt) first: cpprestsdk defines a macro U that breaks fmt's templates.
#include <spdlog/spdlog.h>

#include <cpprest/containerstream.h>
#include <cpprest/http_client.h>

#include <boost/asio/ssl/context.hpp>
#include <condition_variable>
#include <fstream>
#include <mutex>
#include <sstream>

#include "kube/request_deadline.h"
#include "kube/request_verb.h"
#include "kube/runtime_metrics.h"

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
      // Only the cluster's CA, as client-go does: cpprestsdk has already
      // loaded the system's CAs into this context, and a certificate any
      // public CA issued for the API server's address must not be trusted.
      SSL_CTX_set_cert_store(ctx.native_handle(), X509_STORE_new());
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

// Waits for `task` until `deadline`; past it, cancels the request (which
// closes its connection) and reports a timeout. pplx tasks have no timed
// wait, so a continuation signals completion.
template <typename T>
T get_by(pplx::task<T> task, std::chrono::steady_clock::time_point deadline,
         pplx::cancellation_token_source& cancel) {
  struct Done {
    std::mutex mutex;
    std::condition_variable cv;
    bool done = false;
  };
  auto done = std::make_shared<Done>();
  task.then([done](pplx::task<T> finished) {
    // Observe the outcome here: a request abandoned at its deadline may
    // still fail later, and pplx terminates the process on an exception
    // nobody observed.
    try {
      finished.wait();
    } catch (...) {
    }
    std::lock_guard lock(done->mutex);
    done->done = true;
    done->cv.notify_all();
  });
  std::unique_lock lock(done->mutex);
  if (!done->cv.wait_until(lock, deadline, [&] { return done->done; })) {
    cancel.cancel();
    throw http::http_exception(std::make_error_code(std::errc::timed_out), "the request's deadline passed");
  }
  return task.get();
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

http::http_request RestClient::make_request(const std::string& method,
                                            const std::string& path_and_query) const {
  http::http_request request(utility::conversions::to_string_t(method));
  request.set_request_uri(utility::conversions::to_string_t(path_and_query));
  request.headers().add(U("Accept"), U("application/json"));
  request.headers().add(U("User-Agent"), utility::conversions::to_string_t(config_.user_agent));
  // cpprestsdk checks the certificate (and sends SNI) for the Host header's
  // name when there is one: the kubeconfig's tls-server-name, when the
  // server's address is not a name its certificate holds.
  if (!config_.tls_server_name.empty()) {
    request.headers().add(U("Host"), utility::conversions::to_string_t(config_.tls_server_name));
  }
  if (const std::string token = bearer_token(); !token.empty()) {
    request.headers().add(U("Authorization"), U("Bearer ") + token);
  }
  return request;
}

HttpResponse RestClient::send(const std::string& method, const std::string& path_and_query,
                              const std::string& body, const std::string& content_type) const {
  http::http_request request = make_request(method, path_and_query);
  if (!body.empty()) request.set_body(body, content_type);

  const auto started = std::chrono::steady_clock::now();
  const auto deadline = ScopedRequestDeadline::current();
  try {
    if (deadline && started >= *deadline) {
      throw http::http_exception(std::make_error_code(std::errc::timed_out), "the request's deadline had passed");
    }
    pplx::cancellation_token_source cancel;
    auto pending = client_->request(request, cancel.get_token());
    http::http_response response = deadline ? get_by(pending, *deadline, cancel) : pending.get();
    const auto took = std::chrono::steady_clock::now() - started;
    runtime_metrics().api_request(request_verb(method, path_and_query), response.status_code(), took);
    // As client-go logs at -v=6: with the reconcile's scope on the line, a
    // debug log is the timeline of each reconcile's round trips.
    spdlog::debug("{} {} {} in {} ms", method, path_and_query, response.status_code(),
                  std::chrono::duration_cast<std::chrono::milliseconds>(took).count());
    HttpResponse out;
    out.status = response.status_code();
    auto text = response.extract_utf8string(true);
    out.body = deadline ? get_by(text, *deadline, cancel) : text.get();
    out.content_type = response.headers().content_type();
    if (auto it = response.headers().find(U("Retry-After")); it != response.headers().end()) {
      out.retry_after = it->second;
    }
    return out;
  } catch (const http::http_exception& e) {
    runtime_metrics().api_request(request_verb(method, path_and_query), 0, std::chrono::steady_clock::now() - started);
    const bool timed_out = e.error_code() == std::errc::timed_out;
    throw TransportError(method + " " + config_.server + path_and_query + ": " +
                             (timed_out ? "timed out: " : "") + e.what(),
                         timed_out);
  } catch (const std::exception& e) {
    runtime_metrics().api_request(request_verb(method, path_and_query), 0, std::chrono::steady_clock::now() - started);
    throw TransportError(method + " " + config_.server + path_and_query + ": " + e.what());
  }
}

}  // namespace kappa::kube

namespace kappa::kube {

HttpResponse RestClient::stream_lines(const std::string& path_and_query,
                                      const std::function<bool(const std::string&)>& on_line,
                                      const pplx::cancellation_token& cancel,
                                      std::chrono::milliseconds idle_timeout) const {
  // A connection of its own with a long idle timeout: a quiet watch must not
  // be cut by the short timeout of ordinary requests.
  client::http_client streaming(utility::conversions::to_string_t(config_.server),
                                make_http_config(config_, idle_timeout));
  http::http_response response;
  // Counted as the API server counts it (a WATCH), timed to its headers.
  const std::string verb = request_verb("GET", path_and_query);
  const auto started = std::chrono::steady_clock::now();
  try {
    response = streaming.request(make_request("GET", path_and_query), cancel).get();
    runtime_metrics().api_request(verb, response.status_code(), std::chrono::steady_clock::now() - started);
  } catch (const pplx::task_canceled&) {
    throw;
  } catch (const std::exception& e) {
    runtime_metrics().api_request(verb, 0, std::chrono::steady_clock::now() - started);
    throw TransportError("GET " + config_.server + path_and_query + ": " + e.what());
  }
  HttpResponse out;
  out.status = response.status_code();
  out.content_type = response.headers().content_type();
  if (!(out.status >= 200 && out.status < 300)) {
    out.body = response.extract_utf8string(true).get();
    return out;
  }
  auto body = response.body();
  try {
    while (!cancel.is_canceled()) {
      concurrency::streams::container_buffer<std::string> line;
      const std::size_t read = body.read_line(line).get();
      if (read == 0 && body.streambuf().is_eof()) break;
      if (line.collection().empty()) continue;
      if (!on_line(line.collection())) break;
    }
  } catch (const pplx::task_canceled&) {
    throw;
  } catch (const std::exception& e) {
    if (cancel.is_canceled()) throw pplx::task_canceled();
    throw TransportError("watch " + config_.server + path_and_query + " broke: " + e.what());
  }
  if (cancel.is_canceled()) throw pplx::task_canceled();
  return out;
}

}  // namespace kappa::kube
