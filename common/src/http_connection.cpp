#include "http_connection.h"

#include <boost/asio/post.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <spdlog/spdlog.h>

#include "http_target.h"

namespace kappa::http {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

namespace {
// Room beyond the header limit for reads to land in; the buffer never grows
// past it, so a chunk line or anything else unbounded fails as an overflow.
constexpr std::size_t kBufferSlack = 4096;
}  // namespace

Connection::Connection(boost::asio::ip::tcp::socket socket, const Limits& limits, Dispatcher& dispatcher)
    : stream_(std::move(socket)), buffer_(limits.max_header_bytes + kBufferSlack), limits_(limits),
      dispatcher_(dispatcher) {}

void Connection::start() { read_request(); }

void Connection::close() {
  if (!open_) return;
  open_ = false;
  beast::error_code ignored;
  stream_.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
  stream_.socket().close(ignored);
}

void Connection::read_request() {
  waiting_ = true;
  parser_.emplace();
  parser_->header_limit(static_cast<std::uint32_t>(limits_.max_header_bytes));
  parser_->body_limit(limits_.max_body_bytes);
  stream_.expires_after(limits_.header_timeout);
  bhttp::async_read_header(stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code error, std::size_t) {
    self->on_header(error);
  });
}

void Connection::on_header(beast::error_code error) {
  if (!error) {
    waiting_ = false;
    stream_.expires_after(limits_.body_timeout);
    bhttp::async_read(stream_, buffer_, *parser_,
                      [self = shared_from_this()](beast::error_code e, std::size_t) { self->on_request(e); });
    return;
  }
  if (error == bhttp::error::header_limit || error == bhttp::error::buffer_overflow) {
    return refuse(431, "request headers too large");
  }
  on_request(error);
}

void Connection::on_request(beast::error_code error) {
  if (!open_) return;
  waiting_ = false;
  if (error == bhttp::error::body_limit || (error == bhttp::error::buffer_overflow && parser_->is_header_done())) {
    return refuse(413, "request body too large");
  }
  if (error) {
    // Only a parse error is the client's mistake worth an answer; the
    // client leaving, stalling (timeout) or a socket error is not.
    const bool malformed = error.category() == beast::error_code(bhttp::error::bad_target).category() &&
                           error != bhttp::error::end_of_stream && error != bhttp::error::partial_message;
    if (malformed) return refuse(400, "malformed request: " + error.message());
    if (error != bhttp::error::end_of_stream) spdlog::debug("HTTP connection dropped: {}", error.message());
    return close();
  }

  auto& message = parser_->get();
  const auto target = message.target();
  auto request = parse_target(std::string(message.method_string()), std::string_view(target.data(), target.size()));
  if (!request) return refuse(400, "the path or query is not valid percent-encoded UTF-8");
  const bool keep_alive = message.keep_alive();
  auto self = shared_from_this();
  const bool accepted = dispatcher_.dispatch(std::move(*request), [self, keep_alive](Response response) {
    boost::asio::post(self->stream_.get_executor(),
                      [self, keep_alive, response = std::move(response)]() mutable {
                        self->write(std::move(response), keep_alive);
                      });
  });
  if (!accepted) {
    auto busy = json_error(503, "too many requests in progress; retry later");
    busy.headers.emplace_back("Retry-After", "1");
    write(std::move(busy), false);
  }
}

void Connection::refuse(unsigned status, const std::string& message) {
  spdlog::debug("HTTP request refused ({}): {}", status, message);
  write(json_error(static_cast<int>(status), message), false);
}

void Connection::write(Response response, bool keep_alive) {
  if (!open_) return;
  response_ = {};
  response_.version(11);
  response_.result(static_cast<unsigned>(response.status));
  response_.set(bhttp::field::content_type, response.content_type);
  for (const auto& [name, value] : response.headers) response_.insert(name, value);
  response_.body() = std::move(response.body);
  response_.keep_alive(keep_alive);
  response_.prepare_payload();
  stream_.expires_after(limits_.write_timeout);
  bhttp::async_write(stream_, response_, [self = shared_from_this(), keep_alive](beast::error_code error, std::size_t) {
    if (error || !keep_alive) return self->close();
    self->read_request();
  });
}

}  // namespace kappa::http
