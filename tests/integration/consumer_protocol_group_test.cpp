// KIP-848 on the real broker: a group whose member speaks the new consumer
// protocol (group.protocol=consumer, Kafka 4.x; a Kafka Streams or Java
// processor may use it) is measured and deleted by the operator's admin
// client (librdkafka 2.0.2, which cannot join such a group itself) exactly
// as a classic group is: exact lag, deletion refused while a member stays.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "kafka/kafka_error.h"
#include "kafka/rdkafka_admin.h"
#include "processor/support/subprocess.h"
#include "support/kafka_test_util.h"
#include "support/kube_test_client.h"
#include "support/stack_env.h"
#include "support/wait.h"

namespace {

using namespace std::chrono_literals;
using kappa::kafka::KafkaConnection;
using kappa::kafka::KafkaError;
using kappa::kafka::KafkaErrorKind;
using kappa::kafka::RdKafkaAdmin;
using kappa::testing::env_or_empty;
using kappa::testing::unique_name;
using kappa::testing::wait_for;

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(ConsumerProtocolGroupTest, LagIsExactAndTheGroupIsDeletedOnlyAfterItsLastMemberLeft) {
  KAPPA_NEEDS_STACK();
  const std::string version = env_or_empty("KAPPA_KAFKA_VERSION");
  if (version.rfind("3.", 0) == 0) GTEST_SKIP() << "SKIPPED: Kafka " << version << " has no KIP-848 groups by default";
  const std::string libs = env_or_empty("KAPPA_KAFKA_LIBS");
  ASSERT_FALSE(libs.empty()) << "KAPPA_KAFKA_LIBS unset: eval the stack environment (make -s stack-status)";

  const std::string bootstrap = kappa::testing::stack_env().kafka_bootstrap;
  KafkaConnection connection;
  connection.bootstrap_servers = bootstrap;
  connection.timeout = 10s;
  RdKafkaAdmin admin(connection);
  const std::string topic = unique_name("kip848");
  const std::string group = "kappa.test." + topic;
  admin.create_topic({topic, 3, 1, {{"cleanup.policy", "delete"}}});  // the records have no key
  for (int32_t p = 0; p < 3; ++p) kappa::testing::produce(bootstrap, topic, p, 100);

  const auto dir = std::filesystem::temp_directory_path() / unique_name("kip848");
  std::filesystem::create_directories(dir);
  const auto leave = dir / "leave";
  const auto log = dir / "member.log";
  kappa::testing::processor::Subprocess member(
      "/usr/bin/env",
      {"java", "-cp", libs + "/*", std::string(KAPPA_SOURCE_DIR) + "/tests/integration/java/ConsumerProtocolMember.java",
       bootstrap, group, topic, "180", leave.string()},
      {}, log.string());
  ASSERT_TRUE(wait_for(90s, [&] { return read_file(log).find("committed 180") != std::string::npos; }))
      << read_file(log);

  const auto groups = admin.list_groups("kappa.test.");
  EXPECT_NE(std::find(groups.begin(), groups.end(), group), groups.end()) << "a consumer-protocol group is listed";
  const auto lag = admin.lag(topic, {{group, {}}});
  ASSERT_EQ(lag.size(), 1u);
  EXPECT_FALSE(lag[0].error) << *lag[0].error;
  EXPECT_EQ(lag[0].total, 300 - 180) << "180 of 300 records committed";

  try {
    admin.delete_group(group);  // retries while the member stays, then gives up
    FAIL() << "a group with a member cannot be deleted";
  } catch (const KafkaError& e) {
    EXPECT_EQ(e.kind(), KafkaErrorKind::GroupNotEmpty) << e.what();
  }

  std::ofstream(leave.string()) << "go";
  ASSERT_TRUE(member.wait_exit(60s)) << read_file(log);
  EXPECT_NO_THROW(admin.delete_group(group));
  const auto after = admin.list_groups("kappa.test.");
  EXPECT_EQ(std::find(after.begin(), after.end(), group), after.end());
  admin.delete_topic(topic);
  std::filesystem::remove_all(dir);
}

}  // namespace
