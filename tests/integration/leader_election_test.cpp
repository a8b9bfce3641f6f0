// Leader election on a real Lease: one leader at a time, takeover after a
// crashed leader's lease expires, immediate takeover after a release, and a
// leader that cannot renew stops before anyone else may start.
#include "kube/leader_election.h"

#include <gtest/gtest.h>

#include <atomic>

#include "kube/api_error.h"
#include "kube/http_kube_client.h"
#include "support/kube_test_client.h"
#include "support/wait.h"

namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using kappa::kube::HttpKubeClient;
using kappa::kube::LeaderElectionConfig;
using kappa::kube::LeaderElector;
using kappa::testing::wait_for;
using steady = std::chrono::steady_clock;

// A KubeClient that can be cut off from the server, like a partitioned pod.
class SeveredClient : public kappa::kube::KubeClient {
 public:
  explicit SeveredClient(KubeClient& inner) : inner_(inner) {}
  std::atomic<bool> severed{false};
  json get(const kappa::kube::Resource& r, const std::string& ns, const std::string& name) override {
    check();
    return inner_.get(r, ns, name);
  }
  json list(const kappa::kube::Resource& r, const std::string& ns, const kappa::kube::ListOptions& o) override {
    check();
    return inner_.list(r, ns, o);
  }
  json create(const kappa::kube::Resource& r, const std::string& ns, const json& o,
              const kappa::kube::CreateOptions& options) override {
    check();
    return inner_.create(r, ns, o, options);
  }
  json update(const kappa::kube::Resource& r, const json& o) override {
    check();
    return inner_.update(r, o);
  }
  json update_status(const kappa::kube::Resource& r, const json& o) override {
    check();
    return inner_.update_status(r, o);
  }
  json patch(const kappa::kube::Resource& r, const std::string& ns, const std::string& name,
             kappa::kube::PatchType t, const json& b, const kappa::kube::PatchOptions& o) override {
    check();
    return inner_.patch(r, ns, name, t, b, o);
  }
  void remove(const kappa::kube::Resource& r, const std::string& ns, const std::string& name,
              const kappa::kube::DeleteOptions& o) override {
    check();
    inner_.remove(r, ns, name, o);
  }

 private:
  void check() {
    if (severed) throw kappa::kube::TransportError("severed by the test");
  }
  KubeClient& inner_;
};

class LeaderElectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    KAPPA_NEEDS_STACK();
    rest_ = kappa::testing::stack_client();
    client_ = std::make_unique<HttpKubeClient>(*rest_);
    lease_ = kappa::testing::unique_name("kappa-leader");
  }
  LeaderElectionConfig config(const std::string& identity) {
    LeaderElectionConfig c;
    c.lease_namespace = "default";
    c.lease_name = lease_;
    c.identity = identity;
    // Scaled down from 15/10/2 s so the test runs quickly; same ratios.
    c.lease_duration = 6s;
    c.renew_deadline = 4s;
    c.retry_period = 1s;
    return c;
  }
  std::string holder() {
    return client_->get(kappa::kube::resources::kLeases, "default", lease_)["spec"].value("holderIdentity", "");
  }

  std::unique_ptr<kappa::kube::RestClient> rest_;
  std::unique_ptr<HttpKubeClient> client_;
  std::string lease_;
};

TEST_F(LeaderElectionTest, OneLeaderAndTakeoverAfterACrashedLeaderExpires) {
  LeaderElector a(*client_, config("a"));
  LeaderElector b(*client_, config("b"));
  std::atomic<int> leaders{0};
  std::atomic<int> max_leaders{0};
  auto started = [&] { max_leaders = std::max(max_leaders.load(), ++leaders); };
  auto stopped = [&] { --leaders; };
  a.start(started, stopped);
  ASSERT_TRUE(wait_for(10s, [&] { return a.is_leader(); }));
  b.start(started, stopped);
  // b keeps campaigning while a renews: it must not take over.
  EXPECT_FALSE(wait_for(8s, [&] { return b.is_leader(); }));
  EXPECT_EQ(holder(), "a");

  const auto crashed_at = steady::now();
  a.stop(/*release=*/false);  // a crash: the lease is left to expire
  ASSERT_TRUE(wait_for(15s, [&] { return b.is_leader(); }));
  const auto handover = steady::now() - crashed_at;
  EXPECT_GE(handover, 4s) << "b must wait for the lease to expire";
  // lease duration + one jittered retry period, plus a second for the API.
  EXPECT_LE(handover, 6s + 1200ms + 1s) << "handover must come within lease duration + retry period";
  EXPECT_EQ(holder(), "b");
  EXPECT_EQ(max_leaders.load(), 1) << "never two leaders at once";
  b.stop();
}

TEST_F(LeaderElectionTest, ReleasedLeaseIsTakenOverWithoutWaiting) {
  LeaderElector a(*client_, config("a"));
  a.start(nullptr, nullptr);
  ASSERT_TRUE(wait_for(10s, [&] { return a.is_leader(); }));
  LeaderElector b(*client_, config("b"));
  b.start(nullptr, nullptr);
  const auto released_at = steady::now();
  a.stop(/*release=*/true);
  ASSERT_TRUE(wait_for(10s, [&] { return b.is_leader(); }));
  EXPECT_LT(steady::now() - released_at, 4s) << "a released lease needs no expiry wait";
  b.stop();
}

TEST_F(LeaderElectionTest, LeaderThatCannotRenewStopsBeforeAnotherStarts) {
  SeveredClient severable(*client_);
  LeaderElector a(severable, config("a"));
  std::atomic<bool> a_stopped{false};
  steady::time_point a_stopped_at{}, b_started_at{};
  a.start(nullptr, [&] { a_stopped_at = steady::now(); a_stopped = true; });
  ASSERT_TRUE(wait_for(10s, [&] { return a.is_leader(); }));

  std::atomic<bool> b_started{false};
  LeaderElector b(*client_, config("b"));
  b.start([&] { b_started_at = steady::now(); b_started = true; }, nullptr);
  severable.severed = true;  // a can no longer reach the API server
  ASSERT_TRUE(wait_for(20s, [&] { return a_stopped && b_started; }));
  EXPECT_LT(a_stopped_at, b_started_at) << "the old leader must stop acting before the new one starts";
  EXPECT_FALSE(a.is_leader());
  b.stop();
  a.stop();
}

// The write fence on a real API server: a client fenced by a replica's
// lease term sends writes only while that replica holds the Lease.
TEST_F(LeaderElectionTest, AFencedClientWritesOnlyWhileItsReplicaHoldsTheLease) {
  LeaderElector a(*client_, config("a"));
  HttpKubeClient fenced(*rest_, 3, std::chrono::seconds(10), a.term());
  const auto config_map = [&](const std::string& name) {
    return json{{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", {{"name", lease_ + name}}}};
  };
  const auto exists = [&](const std::string& name) {
    try {
      client_->get(kappa::kube::resources::kConfigMaps, "default", lease_ + name);
      return true;
    } catch (const kappa::kube::ApiError&) {
      return false;
    }
  };
  EXPECT_THROW(fenced.create(kappa::kube::resources::kConfigMaps, "default", config_map("-before")),
               kappa::kube::WriteFenced);
  EXPECT_FALSE(exists("-before")) << "a write before the Lease was won reached the API server";
  EXPECT_NO_THROW(fenced.get(kappa::kube::resources::kNamespaces, "", "default")) << "reads are never fenced";
  a.start(nullptr, nullptr);
  ASSERT_TRUE(wait_for(10s, [&] { return a.is_leader(); }));
  fenced.create(kappa::kube::resources::kConfigMaps, "default", config_map("-during"));
  EXPECT_TRUE(exists("-during"));
  a.stop(/*release=*/true);
  EXPECT_THROW(fenced.create(kappa::kube::resources::kConfigMaps, "default", config_map("-after")),
               kappa::kube::WriteFenced);
  EXPECT_FALSE(exists("-after")) << "a write after the Lease was released reached the API server";
  client_->remove(kappa::kube::resources::kConfigMaps, "default", lease_ + "-during", {});
}

}  // namespace
