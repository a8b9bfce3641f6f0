#include "kafka/progress.h"

#include <gtest/gtest.h>

#include "support/fake_clock.h"

namespace {

using namespace std::chrono_literals;
using kappa::kafka::ProgressTracker;
using kappa::testing::FakeClock;

TEST(Progress, PercentRateAndEtaWhileCatchingUp) {
  auto clock = std::make_shared<FakeClock>();
  ProgressTracker tracker(clock, 5min, /*smoothing=*/1.0);  // no smoothing: exact arithmetic
  auto p = tracker.observe(10000, 10000);  // nothing processed yet
  EXPECT_EQ(p.start_lag, 10000);
  EXPECT_EQ(p.percent, 0);
  EXPECT_FALSE(p.eta_seconds) << "no rate yet, no ETA";

  clock->advance(10s);
  p = tracker.observe(8000, 10000);  // 2,000 processed in 10 s
  EXPECT_EQ(p.records_per_second, 200);
  EXPECT_EQ(p.percent, 20);
  EXPECT_EQ(p.eta_seconds, 40);

  clock->advance(10s);
  p = tracker.observe(7000, 11000);  // producers added 1,000 while 2,000 were processed
  EXPECT_EQ(p.records_per_second, 200) << "the rate counts processed records, not lag decrease";
  EXPECT_EQ(p.eta_seconds, 70) << "the ETA uses how fast the lag shrinks (100/s)";
  EXPECT_EQ(p.percent, 30);

  clock->advance(10s);
  p = tracker.observe(0, 11000);
  EXPECT_EQ(p.percent, 100);
  EXPECT_EQ(p.eta_seconds, 0);
  EXPECT_FALSE(p.stalled);
}

TEST(Progress, SmoothingDampsANoisyPoll) {
  auto clock = std::make_shared<FakeClock>();
  ProgressTracker tracker(clock, 5min, 0.5);
  tracker.observe(1000, 1000);
  clock->advance(1s);
  EXPECT_EQ(tracker.observe(900, 1000).records_per_second, 50);  // 0.5*100 + 0.5*0
  clock->advance(1s);
  EXPECT_EQ(tracker.observe(500, 1000).records_per_second, 225);  // 0.5*400 + 0.5*50
}

TEST(Progress, StalledWhenLagMakesNoNewLowForTheWindow) {
  auto clock = std::make_shared<FakeClock>();
  ProgressTracker tracker(clock, 60s, 1.0);
  tracker.observe(500, 500);
  clock->advance(30s);
  EXPECT_FALSE(tracker.observe(500, 500).stalled);
  clock->advance(30s);
  auto p = tracker.observe(520, 520);  // lag grew: still no new low after 60 s
  EXPECT_TRUE(p.stalled);
  EXPECT_FALSE(p.eta_seconds) << "no ETA while lag is not shrinking";
  clock->advance(1s);
  EXPECT_FALSE(tracker.observe(400, 520).stalled) << "progress clears the stall";
}

TEST(Progress, NothingToReplayIsDone) {
  auto clock = std::make_shared<FakeClock>();
  ProgressTracker tracker(clock, 60s);
  const auto p = tracker.observe(0, 0);
  EXPECT_EQ(p.percent, 100);
  EXPECT_EQ(p.eta_seconds, 0);
  EXPECT_FALSE(p.stalled);
}

}  // namespace

#include "kafka/connection.h"

namespace {

TEST(KafkaConnection, SecretPropertiesAreDecodedAndNeverDescribed) {
  const nlohmann::json secret = {
      {"data", {{"sasl.password", "czNjcjN0"}, {"sasl.mechanism", "UExBSU4="}}},  // s3cr3t, PLAIN
      {"stringData", {{"security.protocol", "SASL_SSL"}}}};
  kappa::kafka::KafkaConnection c;
  c.bootstrap_servers = "k:9092";
  c.properties = kappa::kafka::properties_from_secret(secret);
  EXPECT_EQ(c.properties.at("sasl.password"), "s3cr3t");
  EXPECT_EQ(c.client_properties().at("bootstrap.servers"), "k:9092");
  const std::string described = c.describe();
  EXPECT_NE(described.find("sasl.password"), std::string::npos);
  EXPECT_EQ(described.find("s3cr3t"), std::string::npos) << "values must never be shown";
  EXPECT_THROW(kappa::kafka::properties_from_secret({{"data", {{"x", "!!"}}}}), std::invalid_argument);
}

}  // namespace
