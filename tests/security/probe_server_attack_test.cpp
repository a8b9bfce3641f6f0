// The operator's probe server (kappa-operator --health-probe-bind-address)
// under the HTTP attacks of tests/http_server/, as the built binary: its
// chart memory limit is 256Mi, so one client must not be able to grow it
// toward that, hold its connections or silence /healthz. The operator runs
// against an API server that is not there: the probe server does not need
// one, and /healthz answers while the informers retry.
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

using processor::Subprocess;

// The operator idles at about 30 MB; the cpprestsdk server grew to over
// 500 MB under the 300 MB header.
constexpr long kPeakRssBoundKb = 128 * 1024;

class ProbeServerAttackTest : public ::testing::Test {
 protected:
  // Starts kappa-operator with its probes on `host` (a port of its own) and
  // waits for /healthz; `max_open_files` runs it under that fd limit.
  void start(const std::string& host = "127.0.0.1", std::optional<int> max_open_files = {}) {
    host_ = host;
    port_ = processor::free_port();
    const auto dir = ::testing::TempDir();
    const auto kubeconfig = dir + "probe_attack_kubeconfig";
    std::ofstream(kubeconfig) << "apiVersion: v1\nkind: Config\n"
                                 "clusters: [{name: gone, cluster: {server: 'https://127.0.0.1:1'}}]\n"
                                 "users: [{name: u, user: {token: t}}]\n"
                                 "contexts: [{name: c, context: {cluster: gone, user: u}}]\n"
                                 "current-context: c\n";
    const std::string address = host.find(':') == std::string::npos ? host : "[" + host + "]";
    const auto files = std::to_string(max_open_files.value_or(1024));
    std::vector<std::string> args{"-c", "ulimit -n " + files + " && exec \"$@\"",
                                  "sh", KAPPA_OPERATOR_BINARY, "--kubeconfig", kubeconfig, "--no-leader-elect",
                                  "--metrics-bind-address", "0", "--health-probe-bind-address",
                                  address + ":" + std::to_string(port_)};
    const auto log_path = dir + "probe_attack_" +
                          ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".log";
    std::ofstream(log_path, std::ios::trunc);  // the Subprocess appends
    operator_ = std::make_unique<Subprocess>("/bin/sh", args, std::map<std::string, std::string>{}, log_path);
    ASSERT_TRUE(wait_for(20s, [&] { return probe_answers(); }, 50ms)) << operator_->log();
  }

  bool probe_answers() { return get_status(host_, port_, "/healthz") == 200; }
  bool probe_answers_within(std::chrono::milliseconds timeout) {
    return wait_for(timeout, [&] { return probe_answers(); }, 50ms);
  }
  long peak_rss_kb() const { return proc_status_kb(operator_->pid(), "VmHWM"); }

  std::unique_ptr<Subprocess> operator_;
  std::string host_;
  int port_ = 0;
};

TEST_F(ProbeServerAttackTest, OversizedHeaderIsRefusedWithBoundedMemory) {
  start();
  const long sent = refused_stream_attack(host_, port_, kEndlessHeader, 431,
                                          [&] { EXPECT_TRUE(probe_answers_within(3s)) << "probe during the attack"; });
  EXPECT_LT(peak_rss_kb(), kPeakRssBoundKb) << "peak RSS of kappa-operator";
  std::cout << "[          ] header: " << sent << " bytes taken, operator peak RSS " << peak_rss_kb() << " kB\n";
}

TEST_F(ProbeServerAttackTest, NegativeChunkSizeIsA400AndClose) {
  start();
  const long sent = refused_stream_attack(host_, port_, negative_chunk("POST /healthz"), 400,
                                          [&] { EXPECT_TRUE(probe_answers_within(3s)) << "probe during the attack"; });
  EXPECT_LT(peak_rss_kb(), kPeakRssBoundKb) << "peak RSS of kappa-operator";
  std::cout << "[          ] chunk -5: " << sent << " bytes taken, operator peak RSS " << peak_rss_kb() << " kB\n";
}

TEST_F(ProbeServerAttackTest, HalfSentRequestsAreClosed) {
  ASSERT_TRUE(raise_open_files(2048)) << "the test holds 1,100 sockets itself";
  start();
  const int still_open = half_sent_requests_still_open(host_, port_, [&] {
    EXPECT_TRUE(probe_answers_within(3s)) << "probe while 1,100 requests are half-sent";
  });
  EXPECT_EQ(still_open, 0) << "half-sent requests still held 20 s later";
  EXPECT_TRUE(probe_answers());
  std::cout << "[          ] half-sent: " << still_open << " of 1100 still open, operator peak RSS "
            << peak_rss_kb() << " kB\n";
}

TEST_F(ProbeServerAttackTest, IdleConnectionsUnderAnFdLimitLeaveProbesAnswering) {
  start("127.0.0.1", 100);
  std::vector<std::unique_ptr<RawConnection>> idle;
  for (int i = 0; i < 150; ++i) idle.push_back(std::make_unique<RawConnection>(host_, port_));
  EXPECT_TRUE(probe_answers_within(3s)) << "probe with 150 idle connections under an fd limit of 100";
  // CPU of the server's I/O thread over one second of the attack: an
  // accept loop spinning on EMFILE takes most of a core. (The rest of the
  // operator has CPU bursts of its own while its informers retry.)
  const long before = thread_cpu_ticks(operator_->pid(), "http-io");
  const long process_before = cpu_ticks(operator_->pid());
  const auto window_end = Clock::now() + 1s;
  while (Clock::now() < window_end) std::this_thread::sleep_for(50ms);
  const long used = thread_cpu_ticks(operator_->pid(), "http-io") - before;
  const long process_used = cpu_ticks(operator_->pid()) - process_before;
  EXPECT_LT(used, ::sysconf(_SC_CLK_TCK) / 4) << "the HTTP I/O thread used " << used << " ticks of CPU in 1 s";
  EXPECT_TRUE(probe_answers_within(3s)) << "probe after the CPU window";
  std::cout << "[          ] fd limit: http-io thread " << used << " CPU ticks in 1 s (the whole operator "
            << process_used << "), operator peak RSS " << peak_rss_kb() << " kB\n";
}

TEST_F(ProbeServerAttackTest, ProbesOnIpv6LoopbackAndBadPathsAre400) {
  start("::1");
  EXPECT_EQ(get_status(host_, port_, "/healthz%FF"), 400);
  EXPECT_EQ(get_status(host_, port_, "/%zz"), 400);
}

}  // namespace
}  // namespace kappa::testing::http_attack
