// The batched lag poller: one admin call per cluster per round however many
// versions catch up, a reading handed out fresh once, wakes for what a round
// measured, and watches nobody reads any more dropped.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <thread>

#include "controllers/lag_poller.h"
#include "support/fake_kafka_admin.h"

namespace kappa::controllers {
namespace {

using testing::FakeKafkaAdmin;

kafka::LagQuery query_of(const std::string& group) { return {group, {{"events", {}}}}; }

class LagPollerTest : public ::testing::Test {
 protected:
  LagPollerTest() {
    admin->add_topic("events", 3, 100);
    poller.set_wake([this](const std::string& key) { woken.insert(key); });
  }
  std::string group(int i) const { return "kappa.team.p" + std::to_string(i) + ".v2"; }
  std::string key(int i) const { return "team/p" + std::to_string(i) + "-next"; }

  std::shared_ptr<FakeKafkaAdmin> admin = std::make_shared<FakeKafkaAdmin>();
  LagPoller poller;
  std::set<std::string> woken;
};

TEST_F(LagPollerTest, AHundredCatchUpsCostOneCallPerRoundAndNoneOfTheirOwn) {
  for (int i = 0; i < 100; ++i) EXPECT_FALSE(poller.read(key(i), admin, query_of(group(i)))) << "not measured yet";
  EXPECT_EQ(admin->calls("lag_batch"), 0) << "registering a version costs no call";
  for (int round = 1; round <= 3; ++round) {
    EXPECT_EQ(poller.poll_round(), 1u);
    EXPECT_EQ(admin->calls("lag_batch"), round) << "one call per round for all hundred";
    for (int i = 0; i < 100; ++i) {
      const auto reading = poller.read(key(i), admin, query_of(group(i)));
      ASSERT_TRUE(reading);
      EXPECT_EQ(reading->lag.total, 300);
    }
  }
  EXPECT_EQ(admin->calls("lag"), 0);
  EXPECT_EQ(woken.size(), 100u) << "a round wakes every version it measured";
}

TEST_F(LagPollerTest, AReadingIsFreshOnceAndReadsBetweenRoundsAskKafkaNothing) {
  poller.read(key(1), admin, query_of(group(1)));
  poller.poll_round();
  const auto first = poller.read(key(1), admin, query_of(group(1)));
  ASSERT_TRUE(first);
  EXPECT_TRUE(first->fresh);
  EXPECT_EQ(first->lag.total, 300);
  admin->commit(group(1), "events", 40);
  const auto again = poller.read(key(1), admin, query_of(group(1)));
  ASSERT_TRUE(again);
  EXPECT_FALSE(again->fresh) << "no round since: the same reading, not fresh";
  EXPECT_EQ(again->lag.total, 300);
  EXPECT_EQ(admin->calls("lag_batch"), 1);
  poller.poll_round();
  const auto next = poller.read(key(1), admin, query_of(group(1)));
  ASSERT_TRUE(next);
  EXPECT_TRUE(next->fresh);
  EXPECT_EQ(next->lag.total, 180);
}

TEST_F(LagPollerTest, AChangedQueryWaitsForTheNextRound) {
  poller.read(key(1), admin, query_of(group(1)));
  poller.poll_round();
  admin->add_topic("team.stats.v2-kappa-repartition", 3, 10);
  kafka::LagQuery both = query_of(group(1));
  both.topics.push_back({"team.stats.v2-kappa-repartition", {}});
  EXPECT_FALSE(poller.read(key(1), admin, both)) << "the old query's reading does not answer the new one";
  poller.poll_round();
  const auto reading = poller.read(key(1), admin, both);
  ASSERT_TRUE(reading);
  EXPECT_EQ(reading->lag.total, 330) << "both topics of the group count";
  EXPECT_EQ(admin->calls("lag_batch"), 2);
}

TEST_F(LagPollerTest, EachClusterIsOneCall) {
  auto other = std::make_shared<FakeKafkaAdmin>();
  other->add_topic("events", 1, 5);
  poller.read(key(1), admin, query_of(group(1)));
  poller.read(key(2), admin, query_of(group(2)));
  poller.read(key(3), other, query_of(group(3)));
  EXPECT_EQ(poller.poll_round(), 2u);
  EXPECT_EQ(admin->calls("lag_batch"), 1);
  EXPECT_EQ(other->calls("lag_batch"), 1);
  EXPECT_EQ(poller.read(key(3), other, query_of(group(3)))->lag.total, 5);
}

TEST_F(LagPollerTest, WatchesNobodyReadsAreDroppedAndForgetStopsPolling) {
  LagPoller short_memory(3);
  short_memory.read(key(1), admin, query_of(group(1)));
  short_memory.read(key(2), admin, query_of(group(2)));
  short_memory.forget(key(2));
  EXPECT_EQ(short_memory.watched(), 1u);
  for (int round = 0; round < 3; ++round) EXPECT_EQ(short_memory.poll_round(), 1u);
  EXPECT_EQ(short_memory.poll_round(), 0u) << "unread for three rounds: dropped";
  EXPECT_EQ(short_memory.watched(), 0u);
  EXPECT_EQ(admin->calls("lag_batch"), 3);
}

// A thousand versions catching up at once queue their reconciles for longer
// than a few rounds; a reading waiting for its reconcile keeps its watch.
TEST_F(LagPollerTest, AReadingWaitsManyRoundsForItsReconcile) {
  poller.read(key(1), admin, query_of(group(1)));
  for (int round = 0; round < 20; ++round) EXPECT_EQ(poller.poll_round(), 1u);
  const auto reading = poller.read(key(1), admin, query_of(group(1)));
  ASSERT_TRUE(reading) << "still measured after 20 rounds (100 s at the default interval)";
  EXPECT_TRUE(reading->fresh);
}

TEST_F(LagPollerTest, ARoundThatFailsIsRethrownToTheReader) {
  poller.read(key(1), admin, query_of(group(1)));
  admin->fail_next("lag_batch", kafka::KafkaErrorKind::NotAuthorized);
  EXPECT_EQ(poller.poll_round(), 1u);
  try {
    poller.read(key(1), admin, query_of(group(1)));
    FAIL() << "the round's failure must reach the reconcile";
  } catch (const kafka::KafkaError& e) {
    EXPECT_EQ(e.kind(), kafka::KafkaErrorKind::NotAuthorized);
  }
  poller.poll_round();
  EXPECT_EQ(poller.read(key(1), admin, query_of(group(1)))->lag.total, 300) << "the next round recovers";
}

TEST_F(LagPollerTest, ALoopRunsRoundsUntilDestroyed) {
  poller.read(key(1), admin, query_of(group(1)));
  {
    LagPollLoop loop(poller, std::chrono::milliseconds(5));
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (admin->calls("lag_batch") < 3 && std::chrono::steady_clock::now() < deadline) {
      poller.read(key(1), admin, query_of(group(1)));  // keep it watched
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  EXPECT_GE(admin->calls("lag_batch"), 3) << "rounds ran within the deadline";
}

}  // namespace
}  // namespace kappa::controllers
