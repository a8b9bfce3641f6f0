// The operator's Kafka admin clients live while a Pipeline uses them: a
// rotated Secret or a deleted Pipeline does not leave a librdkafka handle
// (and its threads) behind.
#include "controllers/kafka_access.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "support/fake_kafka_admin.h"
#include "support/fake_kube_client.h"

namespace kappa::testing {
namespace {

class KafkaAdminPoolTest : public ::testing::Test {
 protected:
  void put_secret(const std::string& name, const std::string& password) {
    const json secret = {{"apiVersion", "v1"},
                         {"kind", "Secret"},
                         {"metadata", {{"name", name}, {"namespace", "team"}}},
                         {"stringData", {{"sasl.username", "app"}, {"sasl.password", password}}}};
    if (client.stored(kube::resources::kSecrets, "team", name)) {
      client.remove(kube::resources::kSecrets, "team", name, {});
    }
    client.create(kube::resources::kSecrets, "team", secret);
  }
  static api::PipelineSpec spec(const std::string& pipeline, const std::string& secret) {
    api::PipelineSpec s;
    s.ns = "team";
    s.name = pipeline;
    s.bootstrap_servers = "kafka:9092";
    s.secret_name = secret;
    return s;
  }

  FakeKubeClient client;
  std::vector<std::weak_ptr<kafka::KafkaAdmin>> made;
  controllers::KafkaAdminPool pool{client,
                                   [this](const kafka::KafkaConnection&) {
                                     auto admin = std::make_shared<FakeKafkaAdmin>();
                                     made.push_back(admin);
                                     return admin;
                                   },
                                   std::chrono::seconds(1)};
};

TEST_F(KafkaAdminPoolTest, PipelinesOnOneConnectionShareOneClient) {
  put_secret("kafka", "p1");
  const auto a = pool.access(spec("a", "kafka")).admin;
  const auto b = pool.access(spec("b", "kafka")).admin;
  EXPECT_EQ(a, b);
  EXPECT_EQ(pool.size(), 1u);
}

TEST_F(KafkaAdminPoolTest, ARotatedSecretDropsTheOldClient) {
  for (int i = 0; i < 200; ++i) {
    put_secret("kafka", "password-" + std::to_string(i));
    pool.access(spec("a", "kafka"));
  }
  EXPECT_EQ(made.size(), 200u);
  EXPECT_EQ(pool.size(), 1u) << "one client per rotation was kept";
  const auto alive = std::count_if(made.begin(), made.end(), [](const auto& w) { return !w.expired(); });
  EXPECT_EQ(alive, 1);
}

TEST_F(KafkaAdminPoolTest, AClientGoesWithTheLastPipelineUsingIt) {
  put_secret("kafka", "p1");
  pool.access(spec("a", "kafka"));
  pool.access(spec("b", "kafka"));
  pool.forget("team", "a");
  EXPECT_EQ(pool.size(), 1u) << "b still uses it";
  pool.forget("team", "b");
  EXPECT_EQ(pool.size(), 0u);
  EXPECT_TRUE(made.front().expired());
}

TEST_F(KafkaAdminPoolTest, AClientInUseOutlivesItsEviction) {
  put_secret("kafka", "p1");
  const auto in_use = pool.access(spec("a", "kafka")).admin;  // a reconcile holds it
  pool.forget("team", "a");
  EXPECT_EQ(pool.size(), 0u);
  EXPECT_FALSE(made.front().expired());
}

// librdkafka connects lazily: without a first call, a wrong password would
// only show at the next rollout. Each new client is asked once (a missing
// input topic still proves the broker answered); a refused one is asked
// again on the next access.
TEST_F(KafkaAdminPoolTest, ANewClientMustBeAnsweredOnceAndARefusedOneIsAskedAgain) {
  auto admin = std::make_shared<FakeKafkaAdmin>();
  controllers::KafkaAdminPool probing{
      client, [admin](const kafka::KafkaConnection&) { return admin; }, std::chrono::seconds(1)};
  put_secret("kafka", "wrong");
  admin->fail_next("partition_count", kafka::KafkaErrorKind::AuthenticationFailed);
  try {
    probing.access(spec("a", "kafka"));
    ADD_FAILURE() << "a refused client was handed out";
  } catch (const kafka::KafkaError& e) {
    EXPECT_EQ(e.kind(), kafka::KafkaErrorKind::AuthenticationFailed);
  }
  probing.access(spec("a", "kafka"));  // asked again: answered (the topic is unknown, the broker spoke)
  probing.access(spec("a", "kafka"));
  probing.access(spec("b", "kafka"));
  EXPECT_EQ(admin->calls("partition_count"), 2) << "an answered client is not asked again";
}

}  // namespace
}  // namespace kappa::testing
