// Attacks on kappa::http::Server (the operator's probes and metrics, the
// processor's query API), each run against a server process of its own:
// the attacker is refused or cut off, the server's memory stays bounded and
// /healthz keeps answering meanwhile.
#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "http_server/attack.h"
#include "support/http_get.h"
#include "support/subprocess.h"
#include "support/wait.h"

namespace kappa::testing::http_attack {
namespace {

using namespace std::chrono_literals;
using processor::Subprocess;

class HttpServerAttackTest : public ::testing::Test {
 protected:
  // Starts the server on `bind` (probed on `host`) and waits until /healthz
  // answers.
  void start(const std::string& bind, const std::string& host, std::optional<int> max_open_files = {},
             int held_files = 0) {
    host_ = host;
    port_ = processor::free_port();
    std::vector<std::string> args{bind, std::to_string(port_)};
    if (max_open_files) args.push_back(std::to_string(*max_open_files));
    if (held_files) args.push_back(std::to_string(held_files));
    const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
    const auto log_path = ::testing::TempDir() + "http_attack_" + test->name() + ".log";
    std::ofstream(log_path, std::ios::trunc);  // the Subprocess appends
    server_ = std::make_unique<Subprocess>(KAPPA_HTTP_TEST_SERVER, args, std::map<std::string, std::string>{},
                                           log_path);
    ASSERT_TRUE(wait_for(10s, [&] { return server_->log().find("listening ") != std::string::npos; }, 20ms))
        << server_->log();
    const auto log = server_->log();
    url_ = log.substr(log.find("listening ") + 10);
    url_ = url_.substr(0, url_.find('\n'));
    ASSERT_TRUE(wait_for(10s, [&] { return probe_answers(); }, 20ms)) << server_->log();
  }

  bool probe_answers() { return get_status(host_, port_, "/healthz") == 200; }
  // A probe within a deadline, as a kubelet retrying after its timeout.
  bool probe_answers_within(std::chrono::milliseconds timeout) {
    return wait_for(timeout, [&] { return probe_answers(); }, 50ms);
  }
  long peak_rss_kb() const { return proc_status_kb(server_->pid(), "VmHWM"); }

  // 150 idle connections against a server that may open 100 files: probes
  // answer and the accept loop waits instead of spinning.
  void hold_idle_connections_and_probe() {
    std::vector<std::unique_ptr<RawConnection>> idle;
    for (int i = 0; i < 150; ++i) idle.push_back(std::make_unique<RawConnection>(host_, port_));
    EXPECT_TRUE(probe_answers_within(3s)) << "probe with 150 idle connections under an fd limit of 100";
    // CPU over one second of the attack.
    const long before = cpu_ticks(server_->pid());
    const auto window_end = Clock::now() + 1s;
    while (Clock::now() < window_end) std::this_thread::sleep_for(50ms);
    const long used = cpu_ticks(server_->pid()) - before;
    EXPECT_LT(used, ::sysconf(_SC_CLK_TCK) / 4) << "the server used " << used << " ticks of CPU in 1 s";
    EXPECT_TRUE(probe_answers_within(3s)) << "probe after the CPU window";
    std::cout << "[          ] fd limit: " << used << " CPU ticks in 1 s (" << ::sysconf(_SC_CLK_TCK)
              << "/s), server peak RSS " << peak_rss_kb() << " kB\n";
  }

  std::unique_ptr<Subprocess> server_;
  std::string host_;
  int port_ = 0;
  std::string url_;
};

// Far above the server's own limits and far below what the old server took
// (534 MB for a 300 MB header).
constexpr long kPeakRssBoundKb = 64 * 1024;

TEST_F(HttpServerAttackTest, OversizedHeaderIsRefusedWithBoundedMemory) {
  start("127.0.0.1", "127.0.0.1");
  const long sent = refused_stream_attack(host_, port_, kEndlessHeader, 431,
                                          [&] { EXPECT_TRUE(probe_answers_within(3s)) << "probe during the attack"; });
  EXPECT_LT(peak_rss_kb(), kPeakRssBoundKb) << "peak RSS of the server";
  std::cout << "[          ] header: " << sent << " bytes taken, server peak RSS " << peak_rss_kb() << " kB\n";
}

TEST_F(HttpServerAttackTest, NegativeChunkSizeIsA400AndClose) {
  start("127.0.0.1", "127.0.0.1");
  const long sent = refused_stream_attack(host_, port_, negative_chunk("POST /v1/keys"), 400,
                                          [&] { EXPECT_TRUE(probe_answers_within(3s)) << "probe during the attack"; });
  EXPECT_LT(peak_rss_kb(), kPeakRssBoundKb) << "peak RSS of the server";
  std::cout << "[          ] chunk -5: " << sent << " bytes taken, server peak RSS " << peak_rss_kb() << " kB\n";
}

TEST_F(HttpServerAttackTest, OversizedChunkedBodyIsA413) {
  start("127.0.0.1", "127.0.0.1");
  RawConnection attacker(host_, port_);
  ASSERT_TRUE(attacker.connected());
  // Well-formed 1 MiB chunks, never a last one.
  const long sent = stream_until_refused(attacker,
                                         "POST /v1/keys HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n",
                                         "100000\r\n" + std::string(kMiB, 'a') + "\r\n", 300 * kMiB);
  const int status = answer_and_close(attacker, 5s);
  EXPECT_LT(sent, 16 * kMiB) << "the server kept reading the body";
  EXPECT_TRUE(status == 413 || status == 0) << "status " << status << " (-1: connection still open)";
  EXPECT_LT(peak_rss_kb(), kPeakRssBoundKb) << "peak RSS of the server";
  EXPECT_TRUE(probe_answers());
}

TEST_F(HttpServerAttackTest, HalfSentRequestsAreClosedByTheHeaderTimeout) {
  ASSERT_TRUE(raise_open_files(2048)) << "the test holds 1,100 sockets itself";
  start("127.0.0.1", "127.0.0.1");
  const int still_open = half_sent_requests_still_open(host_, port_, [&] {
    EXPECT_TRUE(probe_answers_within(3s)) << "probe while 1,100 requests are half-sent";
  });
  EXPECT_EQ(still_open, 0) << "half-sent requests still held 20 s later";
  EXPECT_TRUE(probe_answers());
  EXPECT_LT(peak_rss_kb(), kPeakRssBoundKb) << "peak RSS of the server";
  std::cout << "[          ] half-sent: " << still_open << " of 1100 still open, server peak RSS " << peak_rss_kb()
            << " kB\n";
}

TEST_F(HttpServerAttackTest, IdleConnectionsBeyondTheFdLimitLeaveProbesAnswering) {
  start("127.0.0.1", "127.0.0.1", 100);
  hold_idle_connections_and_probe();
}

TEST_F(HttpServerAttackTest, IdleConnectionsWhenAcceptMeetsEmfileLeaveProbesAnswering) {
  // 60 of 100 descriptors taken by "the rest of the process": fewer left
  // than the connection cap (50), so the accept loop runs out of files.
  start("127.0.0.1", "127.0.0.1", 100, 60);
  hold_idle_connections_and_probe();
  EXPECT_NE(server_->log().find("backing off"), std::string::npos) << "accept() never met EMFILE:\n"
                                                                     << server_->log();
}

TEST_F(HttpServerAttackTest, BadPercentEncodingOrUtf8IsA400) {
  start("127.0.0.1", "127.0.0.1");
  EXPECT_EQ(get_status(host_, port_, "/v1/keys/%FF"), 400);
  EXPECT_EQ(get_status(host_, port_, "/v1/keys/%C3%28"), 400);
  EXPECT_EQ(get_status(host_, port_, "/v1/keys/%zz"), 400);
  EXPECT_EQ(get_status(host_, port_, "/v1/keys/a%"), 400);
  EXPECT_EQ(get_status(host_, port_, "/v1/keys/x?q=%FF"), 400);
  EXPECT_EQ(get_status(host_, port_, "/v1/keys/caf%C3%A9"), 404) << "valid UTF-8 reaches the handler";
  EXPECT_EQ(server_->log().find("failed"), std::string::npos) << server_->log();
}

TEST_F(HttpServerAttackTest, ServesOnIpv6LoopbackWithABracketedUrl) {
  start("::1", "::1");
  EXPECT_EQ(url_, "http://[::1]:" + std::to_string(port_) + "/");
}

TEST_F(HttpServerAttackTest, ServesBothFamiliesOnTheIpv6Wildcard) {
  start("::", "::1");
  EXPECT_EQ(get_status("127.0.0.1", port_, "/healthz"), 200);
  EXPECT_EQ(url_, "http://[::]:" + std::to_string(port_) + "/");
}

}  // namespace
}  // namespace kappa::testing::http_attack
