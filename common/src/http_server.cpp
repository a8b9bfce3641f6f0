#include "kappa/common/http_server.h"

// spdlog (fmt) before cpprest: cpprest defines a macro U that breaks fmt.
#include <spdlog/spdlog.h>
// clang-format off
#include <cpprest/http_listener.h>
#include <cpprest/uri.h>
// clang-format on

#include <stdexcept>

namespace kappa::http {

namespace {

Request to_request(const web::http::http_request& in) {
  Request out;
  out.method = in.method();
  const auto relative = in.relative_uri();
  out.path = relative.path();
  for (const auto& segment : web::uri::split_path(relative.path())) {
    if (!segment.empty()) out.segments.push_back(web::uri::decode(segment));
  }
  for (const auto& [name, value] : web::uri::split_query(relative.query())) {
    out.query[web::uri::decode(name)] = web::uri::decode(value);
  }
  return out;
}

}  // namespace

struct Server::Impl {
  web::http::experimental::listener::http_listener listener;
  explicit Impl(const std::string& url) : listener(url) {}
};

Server::Server(const std::string& bind_address, int port, Handler handler)
    : url_("http://" + bind_address + ":" + std::to_string(port) + "/"), impl_(std::make_unique<Impl>(url_)) {
  impl_->listener.support([handler = std::move(handler)](web::http::http_request request) {
    Response response;
    try {
      response = handler(to_request(request));
    } catch (const std::exception& e) {
      spdlog::error("HTTP {} {} failed: {}", request.method(), request.relative_uri().to_string(), e.what());
      response = json_error(500, "internal error");
    }
    web::http::http_response reply(static_cast<web::http::status_code>(response.status));
    for (const auto& [name, value] : response.headers) reply.headers().add(name, value);
    reply.set_body(response.body, response.content_type);
    request.reply(reply).then([](pplx::task<void> done) {
      try {
        done.get();
      } catch (const std::exception& e) {
        spdlog::debug("HTTP reply not delivered: {}", e.what());
      }
    });
  });
  try {
    impl_->listener.open().wait();
  } catch (const std::exception& e) {
    throw std::runtime_error("cannot listen on " + url_ + ": " + e.what());
  }
}

Server::~Server() {
  try {
    impl_->listener.close().wait();
  } catch (const std::exception& e) {
    spdlog::warn("closing the HTTP listener on {}: {}", url_, e.what());
  }
}

}  // namespace kappa::http
