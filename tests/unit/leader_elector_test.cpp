// The leader elector against an in-memory Lease: it keeps renewing while
// the leader's work is still starting, and bounds every attempt by the
// renew deadline so it never acts on a Lease it may no longer hold.
#include "kube/leader_election.h"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include "kube/api_error.h"
#include "kube/request_deadline.h"
#include "kube/rest_client.h"
#include "support/wait.h"

namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using steady = std::chrono::steady_clock;
using kappa::testing::wait_for;
namespace kube = kappa::kube;

// One Lease in memory. Each call records the deadline its thread carried;
// with `hang` set, a call waits (until that deadline, as RestClient cuts a
// request) and then fails like a request to a paused API server.
class FakeLeaseClient : public kube::KubeClient {
 public:
  std::atomic<bool> hang{false};
  std::atomic<int> renewals{0};

  json get(const kube::Resource&, const std::string&, const std::string&) override {
    enter();
    std::lock_guard lock(mutex_);
    if (lease_.is_null()) throw kube::ApiError(kube::ApiErrorKind::NotFound, 404, "NotFound", "lease not found", {}, std::nullopt);
    return lease_;
  }
  json create(const kube::Resource&, const std::string&, const json& object, const kube::CreateOptions&) override {
    enter();
    std::lock_guard lock(mutex_);
    lease_ = object;
    lease_["metadata"]["resourceVersion"] = std::to_string(++version_);
    return lease_;
  }
  json update(const kube::Resource&, const json& object) override {
    enter();
    std::lock_guard lock(mutex_);
    if (object["metadata"].value("resourceVersion", "") != std::to_string(version_)) {
      throw kube::ApiError(kube::ApiErrorKind::Conflict, 409, "Conflict", "stale lease", {}, std::nullopt);
    }
    lease_ = object;
    lease_["metadata"]["resourceVersion"] = std::to_string(++version_);
    ++renewals;
    return lease_;
  }
  json list(const kube::Resource&, const std::string&, const kube::ListOptions&) override { return {}; }
  json update_status(const kube::Resource&, const json& o) override { return o; }
  json patch(const kube::Resource&, const std::string&, const std::string&, kube::PatchType, const json& b,
             const kube::PatchOptions&) override {
    return b;
  }
  void remove(const kube::Resource&, const std::string&, const std::string&, const kube::DeleteOptions&) override {}

  std::vector<std::optional<steady::time_point>> deadlines() {
    std::lock_guard lock(mutex_);
    return deadlines_;
  }

 private:
  void enter() {
    const auto deadline = kube::ScopedRequestDeadline::current();
    {
      std::lock_guard lock(mutex_);
      deadlines_.push_back(deadline);
    }
    if (!hang) return;
    const auto until = deadline.value_or(steady::now() + 30s);
    while (hang && steady::now() < until) std::this_thread::sleep_for(5ms);
    throw kube::TransportError("the API server did not answer", true);
  }

  std::mutex mutex_;
  json lease_;
  int version_ = 0;
  std::vector<std::optional<steady::time_point>> deadlines_;
};

kube::LeaderElectionConfig fast_config() {
  kube::LeaderElectionConfig c;
  c.lease_namespace = "ns";
  c.lease_name = "lease";
  c.identity = "me";
  c.lease_duration = 3s;
  c.renew_deadline = 2s;
  c.retry_period = 1s;
  return c;
}

TEST(LeaderElector, KeepsRenewingWhileTheLeadersWorkIsStillStarting) {
  FakeLeaseClient client;
  kube::LeaderElector elector(client, fast_config());
  std::atomic<bool> release_start{false};
  std::atomic<bool> started{false};
  // The leader's start blocks (caches syncing) for longer than the Lease.
  elector.start(
      [&] {
        started = true;
        wait_for(30s, [&] { return release_start.load(); }, 10ms);
      },
      nullptr);
  // Deadlines, not expectations of speed: generous for sanitizer builds.
  ASSERT_TRUE(wait_for(15s, [&] { return started.load(); }, 10ms));
  const int before = client.renewals;
  EXPECT_TRUE(wait_for(15s, [&] { return client.renewals >= before + 3; }, 10ms))
      << "no renewal while on_started ran: another replica could take the Lease";
  EXPECT_TRUE(elector.is_leader());
  EXPECT_TRUE(elector.term()->active());
  release_start = true;
  elector.stop(false);
}

TEST(LeaderElector, EveryAttemptWhileLeadingIsCutAtTheRenewDeadline) {
  FakeLeaseClient client;
  kube::LeaderElector elector(client, fast_config());
  std::atomic<bool> lost{false};
  elector.start(nullptr, [&] { lost = true; });
  ASSERT_TRUE(wait_for(15s, [&] { return elector.is_leader(); }, 10ms));
  const auto hung_at = steady::now();
  client.hang = true;  // the API server stops answering
  ASSERT_TRUE(wait_for(20s, [&] { return lost.load(); }, 10ms));
  EXPECT_FALSE(elector.term()->active());
  EXPECT_THROW(elector.term()->admit_write("PUT x"), kube::WriteFenced);
  // Each request made while leading carried a deadline no later than the
  // last successful renewal + renew deadline (so none could run past it).
  const auto deadlines = client.deadlines();
  ASSERT_FALSE(deadlines.empty());
  for (const auto& d : deadlines) {
    ASSERT_TRUE(d.has_value()) << "a Lease request without a deadline";
  }
  EXPECT_LE(*deadlines.back(), hung_at + 2s) << "the last attempt ran past the renew deadline";
  client.hang = false;
  elector.stop(false);
}

}  // namespace
