// A request cut at its thread's deadline fails with a timeout, and the
// request it abandoned cannot take the process down when it fails later
// (pplx terminates on an exception nobody observed).
#include "kube/request_deadline.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "kube/rest_client.h"

namespace {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

// A TCP server on loopback that accepts one connection and never answers.
class SilentServer {
 public:
  SilentServer() {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address);
    ::listen(listener_, 4);
    socklen_t length = sizeof address;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
  }
  ~SilentServer() {
    if (connection_ >= 0) ::close(connection_);
    ::close(listener_);
  }
  int port() const { return port_; }
  void accept_one() { connection_ = ::accept(listener_, nullptr, nullptr); }
  // Blocks until the client has closed its end.
  void await_client_close() {
    char byte;
    while (::recv(connection_, &byte, 1, 0) > 0) {
    }
  }

 private:
  int listener_ = -1, connection_ = -1, port_ = 0;
};

TEST(RequestDeadline, ScopesNestAndTheEarliestDeadlineWins) {
  EXPECT_FALSE(kappa::kube::ScopedRequestDeadline::current());
  const auto soon = steady::now() + 1s;
  {
    kappa::kube::ScopedRequestDeadline outer(soon);
    {
      kappa::kube::ScopedRequestDeadline inner(soon + 5s);
      EXPECT_EQ(kappa::kube::ScopedRequestDeadline::current(), soon);
    }
    kappa::kube::ScopedRequestDeadline inner(soon - 500ms);
    EXPECT_EQ(kappa::kube::ScopedRequestDeadline::current(), soon - 500ms);
  }
  EXPECT_FALSE(kappa::kube::ScopedRequestDeadline::current());
}

TEST(RequestDeadline, ARequestIsCutAtItsDeadlineAndItsLaterFailureIsHarmless) {
  SilentServer server;
  kappa::kube::ClientConfig config;
  config.server = "http://127.0.0.1:" + std::to_string(server.port());
  kappa::kube::RestClient rest(config, 30s);  // the usual timeout would be far later
  std::thread accepter([&] {
    server.accept_one();
    server.await_client_close();  // the cut closes the connection
  });
  try {
    kappa::kube::ScopedRequestDeadline deadline(steady::now() + 300ms);
    rest.send("GET", "/api");
    ADD_FAILURE() << "a silent server answered";
  } catch (const kappa::kube::TransportError& e) {
    EXPECT_TRUE(e.timed_out()) << e.what();
  }
  accepter.join();
  // The abandoned request has failed by now; the process is still here to
  // send another request (that one fails at once: its deadline has passed).
  kappa::kube::ScopedRequestDeadline passed(steady::now() - 1ms);
  EXPECT_THROW(rest.send("GET", "/api"), kappa::kube::TransportError);
}

}  // namespace
