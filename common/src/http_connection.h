#pragma once
// One accepted connection: reads requests within the header and body
// limits and timeouts, hands each to the Dispatcher and writes the answer.
// Lives on the server's single I/O thread; the server may close() it to
// make room (only while it waits for a request).
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <memory>
#include <optional>

#include "http_dispatcher.h"
#include "kappa/common/http_server.h"

namespace kappa::http {

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(boost::asio::ip::tcp::socket socket, const Limits& limits, Dispatcher& dispatcher);

  void start();
  // Whether it waits for (the rest of) a request's headers: nothing of
  // ours is in progress, so closing it loses no answer.
  bool waiting_for_request() const { return waiting_ && open_; }
  void close();

 private:
  void read_request();
  void on_header(boost::beast::error_code error);
  void on_request(boost::beast::error_code error);
  // Answers a request we refuse (status) and closes the connection.
  void refuse(unsigned status, const std::string& message);
  void write(Response response, bool keep_alive);

  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  boost::beast::http::response<boost::beast::http::string_body> response_;
  const Limits& limits_;
  Dispatcher& dispatcher_;
  bool waiting_ = true;
  bool open_ = true;
};

}  // namespace kappa::http
