// Kafka admin against the real broker: exact lag per partition, topics,
// groups, offsets for times, retention preflight, and bounded failure while
// the broker is down.
#include "kafka/rdkafka_admin.h"

#include <gtest/gtest.h>

#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <future>
#include <thread>

#include "kappa/common/rdkafka_handles.h"
#include "support/kafka_test_util.h"
#include "support/kube_test_client.h"
#include "support/stack_env.h"
#include "support/wait.h"

namespace {

using namespace std::chrono_literals;
using kappa::kafka::GroupLagQuery;
using kappa::kafka::KafkaConnection;
using kappa::kafka::KafkaError;
using kappa::kafka::KafkaErrorKind;
using kappa::kafka::RdKafkaAdmin;
using kappa::kafka::StartFrom;
using kappa::kafka::TopicSpec;
using kappa::testing::produce;
using kappa::testing::unique_name;
using kappa::testing::wait_for;

// Sends the default logger's lines (debug ones included) to a buffer while
// it lives, so a test can wait for what the code under test reports.
class LogCapture {
 public:
  LogCapture() : previous_(spdlog::default_logger()), sink_(std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(256)) {
    auto capture = std::make_shared<spdlog::logger>("capture", sink_);
    capture->set_level(spdlog::level::debug);
    spdlog::set_default_logger(capture);
  }
  ~LogCapture() { spdlog::set_default_logger(previous_); }
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;

  bool contains(const std::string& text) const {
    const auto lines = sink_->last_formatted();
    return std::any_of(lines.begin(), lines.end(), [&](const std::string& l) { return l.find(text) != l.npos; });
  }

 private:
  std::shared_ptr<spdlog::logger> previous_;
  std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> sink_;
};

class KafkaAdminTest : public ::testing::Test {
 protected:
  void SetUp() override {
    KAPPA_NEEDS_STACK();
    bootstrap_ = kappa::testing::stack_env().kafka_bootstrap;
    KafkaConnection connection;
    connection.bootstrap_servers = bootstrap_;
    connection.timeout = 10s;
    admin_ = std::make_unique<RdKafkaAdmin>(connection);
    topic_ = unique_name("admin-test");
    // The tests write records stamped in 1970 (fixed, readable times). With
    // time retention on, the stack's 5 s retention check deletes them
    // mid-test, so this topic keeps records forever.
    admin_->create_topic({topic_, 4, 1, {{"cleanup.policy", "delete"}, {"retention.ms", "-1"}}});
  }
  void TearDown() override {
    if (admin_) admin_->delete_topic(topic_);
  }

  // Consumes exactly `per_partition[p]` records of each partition in
  // `group` and commits those positions.
  void consume_and_commit(const std::string& group, const std::map<int32_t, int64_t>& per_partition,
                          std::string topic = {}) {
    if (topic.empty()) topic = topic_;
    std::string error;
    std::unique_ptr<RdKafka::KafkaConsumer> consumer(RdKafka::KafkaConsumer::create(
        kappa::testing::kafka_conf({{"bootstrap.servers", bootstrap_},
                                    {"group.id", group},
                                    {"enable.auto.commit", "false"}})
            .get(),
        error));
    ASSERT_TRUE(consumer) << error;
    std::vector<RdKafka::TopicPartition*> offsets;
    for (const auto& [partition, count] : per_partition) {
      offsets.push_back(RdKafka::TopicPartition::create(topic, partition, count));
    }
    // Committing a position is what a consumer does after processing up to
    // it; committing directly keeps the test exact.
    ASSERT_EQ(consumer->commitSync(offsets), RdKafka::ERR_NO_ERROR);
    RdKafka::TopicPartition::destroy(offsets);
    consumer->close();
  }

  std::string bootstrap_;
  std::unique_ptr<RdKafkaAdmin> admin_;
  std::string topic_;
};

TEST_F(KafkaAdminTest, LagIsExactPerPartitionAndCountsUncommittedFromTheStart) {
  for (int32_t p = 0; p < 4; ++p) produce(bootstrap_, topic_, p, 100 + 50 * p);  // 100,150,200,250 = 700
  const std::string committed_group = unique_name("lag-g1");
  const std::string fresh_group = unique_name("lag-g2");
  const std::string late_group = unique_name("lag-g3");
  consume_and_commit(committed_group, {{0, 40}, {1, 150}, {2, 0}});  // partition 3 never committed

  const auto start = admin_->start_offsets(topic_, StartFrom::earliest());
  const kappa::kafka::PartitionOffsets late_start = {{0, 90}, {1, 100}, {2, 200}, {3, 0}};
  const auto lags = admin_->lag(topic_, {{committed_group, start}, {fresh_group, start}, {late_group, late_start}});
  ASSERT_EQ(lags.size(), 3u);

  EXPECT_FALSE(lags[0].error);
  EXPECT_EQ(lags[0].total, (100 - 40) + 0 + 200 + 250);
  ASSERT_EQ(lags[0].partitions.size(), 4u);
  EXPECT_EQ(lags[0].partitions[0].committed, 40);
  EXPECT_EQ(lags[0].partitions[0].end, 100);
  EXPECT_EQ(lags[0].partitions[0].lag, 60);
  EXPECT_EQ(lags[0].partitions[1].lag, 0);
  EXPECT_EQ(lags[0].partitions[2].committed, 0);
  EXPECT_EQ(lags[0].partitions[2].lag, 200);
  EXPECT_EQ(lags[0].partitions[3].committed, -1) << "never committed";
  EXPECT_EQ(lags[0].partitions[3].lag, 250) << "counts from the start offset";

  EXPECT_EQ(lags[1].total, 700) << "a group that never committed has the whole log ahead";
  EXPECT_EQ(lags[2].total, (100 - 90) + (150 - 100) + 0 + 250) << "uncommitted lag counts from its own start";
}

TEST_F(KafkaAdminTest, OneBatchMeasuresGroupsOverSeveralTopics) {
  // A repartitioning version's group reads its input and its repartition
  // topic; versions of other Pipelines read other topics. One call.
  const std::string second = unique_name("admin-test-b");
  admin_->create_topic({second, 2, 1, {{"cleanup.policy", "delete"}, {"retention.ms", "-1"}}});
  for (int32_t p = 0; p < 4; ++p) produce(bootstrap_, topic_, p, 10);  // 40
  for (int32_t p = 0; p < 2; ++p) produce(bootstrap_, second, p, 30);  // 60
  const std::string both = unique_name("batch-both");
  const std::string fresh = unique_name("batch-fresh");
  consume_and_commit(both, {{0, 10}, {1, 10}, {2, 5}});
  consume_and_commit(both, {{0, 30}}, second);

  const auto start = admin_->start_offsets(topic_, StartFrom::earliest());
  const auto lags = admin_->lag_batch({{both, {{topic_, start}, {second, {}}}}, {fresh, {{second, {}}}}});
  admin_->delete_topic(second);
  ASSERT_EQ(lags.size(), 2u);
  EXPECT_FALSE(lags[0].error);
  EXPECT_EQ(lags[0].group, both);
  EXPECT_EQ(lags[0].partitions.size(), 6u) << "every partition of both topics";
  EXPECT_EQ(lags[0].total, (0 + 0 + 5 + 10) + (0 + 30));
  EXPECT_EQ(lags[1].group, fresh);
  EXPECT_EQ(lags[1].total, 60) << "a group that never committed has its whole topic ahead";
}

// A version's tables in one request: each usable on return, the call
// idempotent, and a conflict on any of them reported under its name.
TEST_F(KafkaAdminTest, CreateTopicsMakesSeveralInOneCallAndReportsAConflictByName) {
  const std::string table = unique_name("many"), changelog = table + ".state", other = unique_name("many-other");
  const std::vector<TopicSpec> specs{{table, 2, 1, {}}, {changelog, 3, 1, {}}};
  admin_->create_topics(specs);
  EXPECT_EQ(admin_->partition_count(table), 2);
  EXPECT_EQ(admin_->partition_count(changelog), 3);
  EXPECT_EQ(admin_->end_offsets(changelog).size(), 3u) << "every partition led on return";
  EXPECT_NO_THROW(admin_->create_topics(specs)) << "same settings: success";

  try {
    admin_->create_topics({{other, 1, 1, {}}, {changelog, 5, 1, {}}});
    FAIL() << "a different partition count must conflict";
  } catch (const KafkaError& e) {
    EXPECT_EQ(e.kind(), KafkaErrorKind::TopicConflict);
    EXPECT_NE(std::string(e.what()).find(changelog), std::string::npos) << e.what();
  }
  EXPECT_EQ(admin_->partition_count(other), 1) << "the topic beside the conflict was made";
  for (const auto& t : {table, changelog, other}) admin_->delete_topic(t);
}

// A version's tables go in one request too; one already gone is no error.
TEST_F(KafkaAdminTest, DeleteTopicsRemovesSeveralInOneCallAndSkipsMissingOnes) {
  const std::string table = unique_name("gone"), changelog = table + ".state", missing = unique_name("never");
  admin_->create_topics({{table, 1, 1, {}}, {changelog, 1, 1, {}}});
  EXPECT_NO_THROW(admin_->delete_topics({table, missing, changelog}));
  EXPECT_TRUE(wait_for(20s, [&] { return admin_->list_topics(table).empty(); })) << "both deleted";
  EXPECT_NO_THROW(admin_->delete_topics({table, changelog})) << "deleting what is gone is success";
}

TEST_F(KafkaAdminTest, CreateTopicIsIdempotentAndReportsConflicts) {
  const std::string table = unique_name("table");
  TopicSpec spec{table, 3, 1, {{"min.compaction.lag.ms", "1000"}}};
  admin_->create_topic(spec);
  EXPECT_NO_THROW(admin_->create_topic(spec)) << "same settings: success";
  EXPECT_EQ(admin_->partition_count(table), 3);

  try {
    admin_->create_topic({table, 6, 1, {}});
    FAIL() << "a different partition count must conflict";
  } catch (const KafkaError& e) {
    EXPECT_EQ(e.kind(), KafkaErrorKind::TopicConflict);
    EXPECT_NE(std::string(e.what()).find("partitions 3 (want 6)"), std::string::npos) << e.what();
  }
  try {
    admin_->create_topic({table, 3, 1, {{"cleanup.policy", "delete"}}});
    FAIL() << "a different config must conflict";
  } catch (const KafkaError& e) {
    EXPECT_EQ(e.kind(), KafkaErrorKind::TopicConflict);
    EXPECT_NE(std::string(e.what()).find("cleanup.policy=compact (want delete)"), std::string::npos) << e.what();
  }

  admin_->delete_topic(table);
  EXPECT_TRUE(wait_for(20s, [&] {
    try {
      admin_->partition_count(table);
      return false;
    } catch (const KafkaError& e) {
      return e.kind() == KafkaErrorKind::UnknownTopic;
    }
  }));
  EXPECT_NO_THROW(admin_->delete_topic(table)) << "deleting a missing topic is success";
}

TEST_F(KafkaAdminTest, GroupDeleteWaitsForMembersToLeave) {
  produce(bootstrap_, topic_, 0, 10);
  const std::string group = "kappa.test." + unique_name("grp");
  std::string error;
  std::unique_ptr<RdKafka::KafkaConsumer> member(RdKafka::KafkaConsumer::create(
      kappa::testing::kafka_conf({{"bootstrap.servers", bootstrap_},
                                  {"group.id", group},
                                  {"auto.offset.reset", "earliest"},
                                  {"enable.auto.commit", "true"},
                                  {"auto.commit.interval.ms", "100"}})
          .get(),
      error));
  ASSERT_TRUE(member) << error;
  ASSERT_EQ(member->subscribe({topic_}), RdKafka::ERR_NO_ERROR);
  std::atomic<bool> leave{false};
  std::thread poller([&] {
    while (!leave) delete member->consume(100);
    member->close();
  });
  ASSERT_TRUE(wait_for(30s, [&] {
    const auto groups = admin_->list_groups("kappa.test.");
    return std::find(groups.begin(), groups.end(), group) != groups.end();
  })) << "the group should be listed by prefix";

  // With a short timeout and the member staying, deletion reports it.
  KafkaConnection impatient;
  impatient.bootstrap_servers = bootstrap_;
  impatient.timeout = 2s;
  RdKafkaAdmin quick(impatient);
  try {
    quick.delete_group(group);
    FAIL() << "a group with members cannot be deleted";
  } catch (const KafkaError& e) {
    EXPECT_EQ(e.kind(), KafkaErrorKind::GroupNotEmpty) << e.what();
  }

  // The member leaves while delete_group is retrying (once it has been
  // refused for the member): it then succeeds.
  LogCapture log;
  auto deletion = std::async(std::launch::async, [&] { admin_->delete_group(group); });
  EXPECT_TRUE(wait_for(10s, [&] { return log.contains("delete group " + group + ": it still has members"); }, 20ms))
      << "delete_group should retry while the member stays";
  leave = true;
  poller.join();
  ASSERT_EQ(deletion.wait_for(15s), std::future_status::ready);
  EXPECT_NO_THROW(deletion.get());
  const auto groups = admin_->list_groups("kappa.test.");
  EXPECT_EQ(std::find(groups.begin(), groups.end(), group), groups.end());
  EXPECT_NO_THROW(admin_->delete_group(group)) << "deleting a missing group is success";
}

TEST_F(KafkaAdminTest, OffsetsForTimesGiveTheStartOfATimestamp) {
  produce(bootstrap_, topic_, 0, 10, 1'000'000);
  produce(bootstrap_, topic_, 0, 10, 2'000'000);
  produce(bootstrap_, topic_, 1, 5, 1'000'000);
  const auto offsets = admin_->offsets_for_time(topic_, 1'500'000);
  EXPECT_EQ(offsets.at(0), 10) << "the first record at or after the time";
  EXPECT_EQ(offsets.at(1), 5) << "no record that new: the end";
  EXPECT_EQ(offsets.at(2), 0) << "empty partition";
  EXPECT_EQ(admin_->start_offsets(topic_, StartFrom::latest()).at(0), 20);
  EXPECT_EQ(admin_->start_offsets(topic_, StartFrom::earliest()).at(0), 0);
}

TEST_F(KafkaAdminTest, RetentionPreflightReportsWhatTheReplayLost) {
  produce(bootstrap_, topic_, 0, 10, 1'000'000);  // offsets 0-9
  produce(bootstrap_, topic_, 0, 10, 2'000'000);  // offsets 10-19
  produce(bootstrap_, topic_, 1, 10, 1'000'000);
  EXPECT_TRUE(admin_->retention_preflight(topic_, StartFrom::earliest()).sufficient);

  kappa::testing::delete_records_before(bootstrap_, topic_, 0, 12);
  const auto from_start = admin_->retention_preflight(topic_, StartFrom::earliest());
  EXPECT_FALSE(from_start.sufficient);
  ASSERT_EQ(from_start.gaps.size(), 1u);
  EXPECT_EQ(from_start.gaps[0].partition, 0);
  EXPECT_EQ(from_start.gaps[0].earliest_available, 12);
  EXPECT_EQ(from_start.gaps[0].requested_offset, 0);
  EXPECT_NE(from_start.message.find("partition 0 starts at offset 12 (need 0)"), std::string::npos)
      << from_start.message;

  const auto before_gap = admin_->retention_preflight(topic_, StartFrom::timestamp(1'500'000));
  EXPECT_FALSE(before_gap.sufficient) << "records from 1,500,000 ms on (offsets 10, 11) are gone";
  ASSERT_EQ(before_gap.gaps.size(), 1u);
  EXPECT_EQ(before_gap.gaps[0].first_available_timestamp_ms, 2'000'000);

  EXPECT_TRUE(admin_->retention_preflight(topic_, StartFrom::timestamp(2'000'000)).sufficient)
      << "everything from 2,000,000 ms on is still there";
  EXPECT_TRUE(admin_->retention_preflight(topic_, StartFrom::latest()).sufficient);
}

TEST_F(KafkaAdminTest, BrokerDownFailsWithinTheTimeoutAndRecovers) {
  KafkaConnection connection;
  connection.bootstrap_servers = bootstrap_;
  connection.timeout = 3s;
  RdKafkaAdmin admin(connection);
  ASSERT_NO_THROW(admin.end_offsets(topic_));

  const std::string restart = std::string(KAPPA_SOURCE_DIR) + "/dev/stack-restart.sh kafka 12 >&2";
  auto restarted = std::async(std::launch::async, [&] { return std::system(restart.c_str()); });
  // Wait until the broker is gone, then time one call against it.
  ASSERT_TRUE(wait_for(40s, [&] {
    try {
      admin.end_offsets(topic_);
      return false;
    } catch (const KafkaError&) {
      return true;
    }
  }, 100ms));
  const auto started = std::chrono::steady_clock::now();
  try {
    admin.lag(topic_, {{"g", {}}});
    FAIL() << "the broker is down";
  } catch (const KafkaError& e) {
    EXPECT_EQ(e.kind(), KafkaErrorKind::Timeout) << e.what();
    EXPECT_NE(std::string(e.what()).find(bootstrap_), std::string::npos) << "names the cluster: " << e.what();
  }
  EXPECT_LT(std::chrono::steady_clock::now() - started, 3s + 2s) << "bounded by the configured timeout";

  ASSERT_EQ(restarted.get(), 0) << "the broker did not come back";
  EXPECT_TRUE(wait_for(60s, [&] {
    try {
      return admin.end_offsets(topic_).size() == 4;
    } catch (const KafkaError&) {
      return false;
    }
  })) << "calls must work again once the broker is back";
}

}  // namespace
