#include "kappa/common/http_server.h"

#include <pthread.h>
#include <sys/resource.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/steady_timer.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <list>
#include <stdexcept>
#include <thread>

#include "http_connection.h"
#include "http_dispatcher.h"

namespace kappa::http {

namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

// After a failed accept (out of file descriptors, say) the loop waits this
// long instead of retrying at once: a spinning loop starves everything else.
constexpr auto kAcceptBackoff = std::chrono::milliseconds(100);

std::size_t connection_cap(std::size_t configured) {
  rlimit files{};
  if (::getrlimit(RLIMIT_NOFILE, &files) != 0 || files.rlim_cur == RLIM_INFINITY) return configured;
  // Half the descriptors stay for the rest of the process (Kafka, the API
  // server, log files).
  return std::clamp<std::size_t>(files.rlim_cur / 2, 1, configured);
}

tcp::endpoint resolve(net::io_context& io, const std::string& host, int port) {
  boost::system::error_code error;
  const auto address = net::ip::make_address(host, error);
  if (!error) return {address, static_cast<unsigned short>(port)};
  tcp::resolver resolver(io);
  const auto results = resolver.resolve(host, std::to_string(port));
  if (results.empty()) throw std::runtime_error("no address for " + host);
  return *results.begin();
}

}  // namespace

std::string host_port(const std::string& host, int port) {
  const bool ipv6 = host.find(':') != std::string::npos && host.front() != '[';
  return (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

struct Server::Impl {
  Impl(Handler handler, Limits limits_in)
      : limits(std::move(limits_in)), max_connections(connection_cap(limits.max_connections)),
        dispatcher(std::move(handler), limits) {}

  void listen(const tcp::endpoint& endpoint) {
    acceptor.open(endpoint.protocol());
    acceptor.set_option(tcp::acceptor::reuse_address(true));
    // "::" serves IPv4 too, as "0.0.0.0" would.
    if (endpoint.address().is_v6() && endpoint.address().is_unspecified()) acceptor.set_option(net::ip::v6_only(false));
    acceptor.bind(endpoint);
    acceptor.listen(net::socket_base::max_listen_connections);
  }

  void accept() {
    acceptor.async_accept([this](boost::system::error_code error, tcp::socket socket) {
      if (error == net::error::operation_aborted) return;
      if (error) return back_off(error);
      accept_failing = false;
      admit(std::move(socket));
      accept();
    });
  }

  void back_off(const boost::system::error_code& error) {
    if (!accept_failing) spdlog::warn("HTTP accept failed ({}); backing off", error.message());
    accept_failing = true;
    // Out of descriptors: closing an idle connection gives one back for the
    // next accept; each retry takes a connection off the backlog, so this
    // cannot spin.
    if (close_oldest_waiting()) return accept();
    backoff.expires_after(kAcceptBackoff);
    backoff.async_wait([this](boost::system::error_code e) {
      if (!e) accept();
    });
  }

  void admit(tcp::socket socket) {
    connections.remove_if([](const std::weak_ptr<Connection>& c) { return c.expired(); });
    if (connections.size() >= max_connections && !close_oldest_waiting()) {
      spdlog::debug("HTTP connection refused: {} connections are all busy", connections.size());
      return;  // the socket closes as it goes out of scope
    }
    auto connection = std::make_shared<Connection>(std::move(socket), limits, dispatcher);
    connections.push_back(connection);
    connection->start();
  }

  // Closes the longest-open connection that waits for a request; false when
  // there is none.
  bool close_oldest_waiting() {
    for (auto& weak : connections) {
      auto connection = weak.lock();
      if (connection && connection->waiting_for_request()) {
        connection->close();
        weak.reset();
        return true;
      }
    }
    return false;
  }

  const Limits limits;
  const std::size_t max_connections;
  // Declared before what uses them: destroyed last.
  net::io_context io{1};
  Dispatcher dispatcher;
  tcp::acceptor acceptor{io};
  net::steady_timer backoff{io};
  // In accept order; touched only on the I/O thread.
  std::list<std::weak_ptr<Connection>> connections;
  bool accept_failing = false;
  std::thread thread;
};

Server::Server(const std::string& bind_address, int port, Handler handler, Limits limits)
    : url_("http://" + host_port(bind_address, port) + "/"),
      impl_(std::make_unique<Impl>(std::move(handler), std::move(limits))) {
  try {
    impl_->listen(resolve(impl_->io, bind_address, port));
  } catch (const std::exception& e) {
    throw std::runtime_error("cannot listen on " + url_ + ": " + e.what());
  }
  port_ = impl_->acceptor.local_endpoint().port();
  url_ = "http://" + host_port(bind_address, port_) + "/";
  impl_->accept();
  impl_->thread = std::thread([this] {
    // Named for top -H and for tests that measure the accept loop's CPU.
    pthread_setname_np(pthread_self(), "http-io");
    impl_->io.run();
  });
}

Server::~Server() {
  // Handlers first: they post their answers to the I/O context.
  impl_->dispatcher.stop();
  impl_->io.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

}  // namespace kappa::http
