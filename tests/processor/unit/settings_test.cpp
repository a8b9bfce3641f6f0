#include "core/settings.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <map>

#include "core/errors.h"

namespace kappa::processor {
namespace {

// The contract's variables, set for one test and cleared after (CLI11 reads
// them with getenv).
class SettingsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const auto& name : kNames) unsetenv(name);
    set("KAFKA_BOOTSTRAP_SERVERS", "kafka:9092");
    set("KAPPA_INPUT_TOPIC", "events");
    set("KAPPA_CONSUMER_GROUP", "kappa.ns.p.v1");
    set("KAPPA_OUTPUT_TOPIC", "ns.p.v1");
    set("KAPPA_CONFIG", R"({"key":"k","aggregates":{"n":{"op":"count"}}})");
  }
  void TearDown() override {
    for (const auto& name : kNames) unsetenv(name);
  }
  static void set(const char* name, const char* value) { setenv(name, value, 1); }

  std::optional<Settings> parse(std::vector<std::string> args = {}, std::vector<std::string> environment = {}) {
    args.insert(args.begin(), "kappa-processor");
    std::vector<const char*> argv;
    for (const auto& a : args) argv.push_back(a.c_str());
    std::vector<char*> envp;
    for (auto& e : environment) envp.push_back(e.data());
    envp.push_back(nullptr);
    return parse_command_line(static_cast<int>(argv.size()), argv.data(), envp.data());
  }

  void expect_error(const std::string& field, std::vector<std::string> args = {}) {
    try {
      parse(std::move(args));
      ADD_FAILURE() << "no error for " << field;
    } catch (const ConfigError& e) {
      EXPECT_EQ(e.field(), field) << e.what();
    }
  }

  static constexpr const char* kNames[] = {
      "KAFKA_BOOTSTRAP_SERVERS", "KAPPA_PIPELINE",      "KAPPA_VERSION",      "KAPPA_INPUT_TOPIC",
      "KAPPA_CONSUMER_GROUP",    "KAPPA_OUTPUT_TOPIC",  "KAPPA_STATE_TOPIC",  "KAPPA_START_FROM",
      "KAPPA_CONFIG",            "KAPPA_SERVING_PORT",  "KAPPA_BIND_ADDRESS", "KAPPA_BOUNDED",
      "KAPPA_INSTANCE_ID",       "KAPPA_STATIC_MEMBERSHIP", "KAPPA_COMMIT_INTERVAL_MS",
      "KAPPA_CATCH_UP_LAG",      "KAPPA_CATCH_UP_COMMIT_INTERVAL_MS", "KAPPA_CATCH_UP_MAX_TRANSACTION_RECORDS",
      "KAPPA_STOP_AT", "KAPPA_BATCH_STATE_TOPIC", "KAPPA_INPUT_KEYING", "KAPPA_REPARTITION_PURGE_INTERVAL_MS"};
};

TEST_F(SettingsTest, ReadsTheContractWithDefaults) {
  const auto s = parse({}, {"HOSTNAME=pod-7"});
  ASSERT_TRUE(s);
  EXPECT_EQ(s->bootstrap_servers, "kafka:9092");
  EXPECT_EQ(s->input_topic, "events");
  EXPECT_EQ(s->consumer_group, "kappa.ns.p.v1");
  EXPECT_EQ(s->output_topic, "ns.p.v1");
  EXPECT_EQ(s->state_topic, "ns.p.v1.state");
  EXPECT_EQ(s->start_from.kind, StartFrom::Kind::Earliest);
  EXPECT_EQ(s->bind_address, "0.0.0.0");
  EXPECT_EQ(s->serving_port, 8080);
  EXPECT_FALSE(s->bounded);
  EXPECT_EQ(s->instance_id, "pod-7");
  EXPECT_EQ(s->commit_interval, std::chrono::milliseconds(100));
  EXPECT_EQ(s->max_transaction_records, 5000u);
  EXPECT_EQ(s->catch_up_commit_interval, std::chrono::milliseconds(5000));
  EXPECT_EQ(s->catch_up_max_transaction_records, 5000000u);
  EXPECT_EQ(s->catch_up_lag, 100000);
  EXPECT_EQ(s->repartition_purge_interval, std::chrono::milliseconds(30000));
}

TEST_F(SettingsTest, RepartitionPurgeIntervalFromEnvironmentAndFlags) {
  set("KAPPA_REPARTITION_PURGE_INTERVAL_MS", "500");
  EXPECT_EQ(parse({})->repartition_purge_interval, std::chrono::milliseconds(500));
  EXPECT_EQ(parse({"--repartition-purge-interval-ms", "250"})->repartition_purge_interval, std::chrono::milliseconds(250));
  expect_error("KAPPA_REPARTITION_PURGE_INTERVAL_MS", {"--repartition-purge-interval-ms", "0"});
}

TEST_F(SettingsTest, CatchUpLimitsFromEnvironmentAndFlags) {
  set("KAPPA_CATCH_UP_LAG", "0");
  set("KAPPA_CATCH_UP_COMMIT_INTERVAL_MS", "2000");
  const auto s = parse({"--catch-up-max-transaction-records", "70000"});
  EXPECT_EQ(s->catch_up_lag, 0);
  EXPECT_EQ(s->catch_up_commit_interval, std::chrono::milliseconds(2000));
  EXPECT_EQ(s->catch_up_max_transaction_records, 70000u);
  expect_error("KAPPA_CATCH_UP_COMMIT_INTERVAL_MS", {"--catch-up-commit-interval-ms", "0"});
  expect_error("KAPPA_CATCH_UP_LAG", {"--catch-up-lag", "-1"});
}

TEST_F(SettingsTest, FlagsOverrideTheEnvironment) {
  set("KAPPA_SERVING_PORT", "9000");
  set("KAPPA_BIND_ADDRESS", "127.0.0.5");
  set("KAPPA_START_FROM", "Latest");
  const auto s = parse({"--serving-port", "9100", "--input-topic", "other", "--bounded"});
  EXPECT_EQ(s->serving_port, 9100);
  EXPECT_EQ(s->input_topic, "other");
  EXPECT_EQ(s->bind_address, "127.0.0.5");
  EXPECT_EQ(s->start_from.kind, StartFrom::Kind::Latest);
  EXPECT_TRUE(s->bounded);
  EXPECT_FALSE(s->instance_id.empty());  // no HOSTNAME: a random one
}

TEST_F(SettingsTest, MissingOrBadSettingsNameTheVariable) {
  unsetenv("KAPPA_INPUT_TOPIC");
  expect_error("KAPPA_INPUT_TOPIC");
  set("KAPPA_INPUT_TOPIC", "events");
  unsetenv("KAPPA_CONFIG");
  expect_error("KAPPA_CONFIG");
  set("KAPPA_CONFIG", "{}");
  set("KAPPA_START_FROM", "yesterday");
  expect_error("KAPPA_START_FROM");
  unsetenv("KAPPA_START_FROM");
  expect_error("KAPPA_SERVING_PORT", {"--serving-port", "70000"});
  expect_error("command line", {"--serving-port", "http"});
  expect_error("command line", {"--no-such-flag"});
  expect_error("KAPPA_OUTPUT_TOPIC", {"--output-topic", "events"});
}

TEST_F(SettingsTest, StartFromAcceptsEarliestLatestAndEpochMillis) {
  EXPECT_EQ(StartFrom::parse("").kind, StartFrom::Kind::Earliest);
  EXPECT_EQ(StartFrom::parse("EARLIEST").kind, StartFrom::Kind::Earliest);
  EXPECT_EQ(StartFrom::parse("latest").kind, StartFrom::Kind::Latest);
  const auto at = StartFrom::parse("1700000000000");
  EXPECT_EQ(at.kind, StartFrom::Kind::Timestamp);
  EXPECT_EQ(at.timestamp_ms, 1700000000000);
  EXPECT_THROW(StartFrom::parse("-5"), ConfigError);
  EXPECT_THROW(StartFrom::parse("2024-01-01T00:00:00Z"), ConfigError);
}

// Lambda mode: a speed layer starts at exactly the snapshot offsets, a
// batch run stops at them.
TEST_F(SettingsTest, StartAndStopOffsetsAreJsonObjectsOfPartitionOffsets) {
  const auto start = StartFrom::parse(R"({"0": 120, "1": 0, "2": 98})");
  EXPECT_EQ(start.kind, StartFrom::Kind::Offsets);
  EXPECT_EQ(start.offsets, (PartitionOffsets{{0, 120}, {1, 0}, {2, 98}}));
  for (const char* bad : {"{}", R"({"x": 1})", R"({"-1": 1})", R"({"0": -1})", R"({"0": "5"})", R"({"0": 1.5})",
                          "{\"0\": 1", "[1, 2]"}) {
    EXPECT_THROW(StartFrom::parse(bad), ConfigError) << bad;
  }
  const auto batch = parse({"--bounded", "--stop-at", R"({"0": 7, "1": 9})"});
  ASSERT_TRUE(batch && batch->stop_at);
  EXPECT_EQ(*batch->stop_at, (PartitionOffsets{{0, 7}, {1, 9}}));
  expect_error("KAPPA_STOP_AT", {"--stop-at", R"({"0": 7})"});  // not bounded
  expect_error("KAPPA_STOP_AT", {"--bounded", "--stop-at", "7"});
  EXPECT_FALSE(parse({"--bounded"})->stop_at) << "without it: the end offsets at start";
}

TEST_F(SettingsTest, ASpeedLayerStartsAtItsSnapshotAndStreams) {
  const auto speed = parse({"--batch-state-topic", "ns.p.v3.batch.state", "--start-from", R"({"0": 4})"});
  ASSERT_TRUE(speed);
  EXPECT_EQ(speed->batch_state_topic, "ns.p.v3.batch.state");
  expect_error("KAPPA_BATCH_STATE_TOPIC", {"--batch-state-topic", "t"});  // starts at earliest: not a snapshot
  expect_error("KAPPA_BATCH_STATE_TOPIC", {"--batch-state-topic", "t", "--start-from", R"({"0": 4})", "--bounded"});
}

TEST_F(SettingsTest, PartitionOffsetsMustNameEveryInputPartitionOnce) {
  EXPECT_NO_THROW(check_partitions("KAPPA_STOP_AT", {{0, 1}, {1, 2}}, 2));
  EXPECT_THROW(check_partitions("KAPPA_STOP_AT", {{0, 1}}, 2), ConfigError) << "a partition missing";
  EXPECT_THROW(check_partitions("KAPPA_STOP_AT", {{0, 1}, {1, 2}, {2, 3}}, 2), ConfigError) << "one too many";
  EXPECT_THROW(check_partitions("KAPPA_STOP_AT", {{1, 1}, {2, 2}}, 2), ConfigError) << "not 0 .. n-1";
}

TEST_F(SettingsTest, KafkaPropertiesFromEnvironmentThenFlags) {
  const auto s = parse({"--kafka-prop", "sasl.mechanism=SCRAM-SHA-512", "--kafka-prop", "client.rack = a"},
                       {"KAFKA_PROP_SASL_MECHANISM=PLAIN", "KAFKA_PROP_SECURITY_PROTOCOL=SASL_SSL"});
  const kafka::Properties expected = {{"sasl.mechanism", "PLAIN"},
                                      {"security.protocol", "SASL_SSL"},
                                      {"sasl.mechanism", "SCRAM-SHA-512"},
                                      {"client.rack", "a"}};
  EXPECT_EQ(s->kafka_properties, expected);  // applied in order: the flag wins
  expect_error("--kafka-prop", {"--kafka-prop", "novalue"});
}

TEST_F(SettingsTest, HelpReturnsNothing) { EXPECT_FALSE(parse({"--help"}).has_value()); }

}  // namespace
}  // namespace kappa::processor
