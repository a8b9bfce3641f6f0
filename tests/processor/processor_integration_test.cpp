// kappa-processor against the local stack's real Kafka broker: the binary
// runs as a subprocess, as a pod would run it.
//  - a stream run's output table equals the known answer of a generated log
//    (with bad records skipped and counted, and dead-lettered);
//  - its HTTP API answers keys, listings, probes and metrics, and rejects
//    bad requests;
//  - a bounded run over the same log writes the same table and exits 0;
//  - docs/design.md, invariant 8: a stream run SIGKILLed at random points
//    five times and restarted ends with exactly the table of one bounded run.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <random>
#include <regex>
#include <thread>

#include "support/crash_runs.h"
#include "support/event_log.h"
#include "support/http_get.h"
#include "support/kafka_helpers.h"
#include "support/metric_text.h"
#include "support/processor_run.h"
#include "support/stack_env.h"
#include "support/subprocess.h"
#include "support/wait.h"

namespace {

using namespace std::chrono_literals;
using namespace kappa::testing::processor;
using kappa::testing::wait_for;

constexpr int kInputPartitions = 4;
constexpr int kOutputPartitions = 3;
constexpr std::size_t kEvents = 20000;
constexpr int kUsers = 300;
constexpr std::size_t kBadEvery = 200;  // 100 bad records

class ProcessorIntegration : public ::testing::Test {
 protected:
  // One log for the stream, bounded and HTTP tests.
  static void SetUpTestSuite() {
    if (kappa::testing::stack_env().kafka_bootstrap.empty()) return;
    log_ = generate_event_log(kEvents, kUsers, kBadEvery, 42);
    input_ = unique("events");
    ASSERT_EQ(create_topic(bootstrap(), input_, kInputPartitions), "");
    produce_all(bootstrap(), input_, log_.records);
  }

  static std::string bootstrap() { return kappa::testing::stack_env().kafka_bootstrap; }

  // A topic's end offsets now, as KAPPA_START_FROM / KAPPA_STOP_AT take them.
  static nlohmann::json end_offsets_json(const std::string& topic, int partitions) {
    const auto [unused, ends] = committed_and_end(bootstrap(), unique("probe"), topic, partitions);
    nlohmann::json offsets = nlohmann::json::object();
    for (std::size_t p = 0; p < ends.size(); ++p) offsets[std::to_string(p)] = ends[p];
    return offsets;
  }

  ProcessorRun fresh_run(const std::string& input, const std::string& dead_letter = "") {
    ProcessorRun run;
    run.input = input;
    run.output = unique("user-stats");
    run.group = "kappa.test." + run.output;
    run.view = test_view(dead_letter);
    run.port = free_port();
    EXPECT_EQ(create_topic(bootstrap(), run.output, kOutputPartitions, true), "");
    return run;
  }

  static EventLog log_;
  static std::string input_;
};

EventLog ProcessorIntegration::log_;
std::string ProcessorIntegration::input_;

TEST_F(ProcessorIntegration, StreamRunBuildsTheExpectedTableAndServesIt) {
  KAPPA_NEEDS_STACK();
  const std::string dead_letter = unique("events-dead");
  ASSERT_EQ(create_topic(bootstrap(), dead_letter, 1), "");
  const auto run = fresh_run(input_, dead_letter);
  auto processor = run.start();

  TopicReader table(bootstrap(), run.output, kOutputPartitions);
  ASSERT_TRUE(table_reaches(table, log_.expected, 90s))
      << diff(parse_rows(table.latest()), log_.expected) << "\nlog: " << processor->log_path();

  // Every bad record went to the dead-letter topic, with its origin.
  TopicReader dead(bootstrap(), dead_letter, 1);
  ASSERT_TRUE(wait_for(20s, [&] {
    dead.poll(200ms);
    return dead.records() >= log_.bad;
  }));
  EXPECT_EQ(dead.records(), log_.bad);
  EXPECT_EQ(dead.last_headers().count("kappa.error.reason"), 1u);
  EXPECT_EQ(dead.last_headers().at("kappa.source.topic"), input_);

  // HTTP API.
  const auto fetch = [&](const std::string& target) { return http_get("127.0.0.1", run.port, target); };
  ASSERT_TRUE(wait_for(30s, [&] { return fetch("/readyz").status == 200; })) << fetch("/readyz").body;
  EXPECT_EQ(fetch("/healthz").status, 200);
  const std::string some_user = log_.expected.begin()->first;
  const nlohmann::json some_row = log_.expected.begin()->second;
  ASSERT_TRUE(wait_for(20s, [&] {
    const auto answer = fetch("/v1/keys/" + some_user);
    return answer.status == 200 && nlohmann::json::parse(answer.body)["value"] == some_row;
  })) << fetch("/v1/keys/" + some_user).body;
  EXPECT_EQ(nlohmann::json::parse(fetch("/v1/keys/" + some_user).body)["key"], some_user);
  const auto missing = fetch("/v1/keys/no-such-user");
  EXPECT_EQ(missing.status, 404);
  EXPECT_TRUE(nlohmann::json::parse(missing.body).contains("error"));

  // Page through the whole table, 70 rows at a time.
  std::map<std::string, nlohmann::json> listed;
  std::string after;
  for (int page = 0; page < 100; ++page) {
    const auto answer = fetch("/v1/keys?limit=70" + (after.empty() ? "" : "&after=" + after));
    ASSERT_EQ(answer.status, 200) << answer.body;
    const auto body = nlohmann::json::parse(answer.body);
    ASSERT_LE(body["items"].size(), 70u);
    for (const auto& item : body["items"]) listed[item["key"].get<std::string>()] = item["value"];
    if (body["next"].is_null()) break;
    after = body["next"].get<std::string>();
  }
  EXPECT_EQ(listed, log_.expected);

  EXPECT_EQ(fetch("/v1/keys?limit=0").status, 400);
  EXPECT_EQ(fetch("/v1/keys?limit=abc").status, 400);
  EXPECT_EQ(fetch("/v1/keys?limit=5000").status, 400);
  EXPECT_EQ(fetch("/v1/keys?colour=blue").status, 400);
  EXPECT_EQ(fetch("/v2/keys").status, 404);
  EXPECT_EQ(fetch("/v1/keys/a/b").status, 404);
  EXPECT_EQ(http_request("127.0.0.1", run.port, "POST", "/v1/keys/" + some_user).status, 405);
  EXPECT_EQ(http_request("127.0.0.1", run.port, "DELETE", "/v1/keys").status, 405);

  const auto metrics = fetch("/metrics");
  ASSERT_EQ(metrics.status, 200);
  EXPECT_EQ(metric(metrics.body, "kappa_processor_records_in_total"), static_cast<double>(kEvents + log_.bad))
      << metrics.body;
  double bad = 0;
  for (const char* reason : {"malformed_json", "not_an_object", "missing_key", "invalid_key", "missing_field",
                             "wrong_type"}) {
    const double n = metric(metrics.body, std::string("kappa_processor_records_bad_total{reason=\"") + reason + "\"}");
    EXPECT_GT(n, 0) << reason;
    bad += n;
  }
  EXPECT_EQ(bad, static_cast<double>(log_.bad));
  EXPECT_EQ(metric(metrics.body, "kappa_processor_records_dead_lettered_total"), static_cast<double>(log_.bad));
  EXPECT_GT(metric(metrics.body, "kappa_processor_transactions_total{outcome=\"committed\"}"), 0);
  EXPECT_EQ(metric(metrics.body, "kappa_processor_serving_keys"), static_cast<double>(kUsers));
  EXPECT_EQ(metric(metrics.body, "kappa_processor_ready"), 1);

  // The group's committed offsets are the end of the input: lag 0.
  const auto [committed, end] = committed_and_end(bootstrap(), run.group, input_, kInputPartitions);
  EXPECT_EQ(committed, end);

  processor->send(SIGTERM);
  EXPECT_EQ(processor->wait_exit(30s), 0) << processor->log();
}

TEST_F(ProcessorIntegration, BoundedRunWritesTheSameTableAndExits) {
  KAPPA_NEEDS_STACK();
  const auto run = fresh_run(input_);
  auto processor = run.start({"--bounded"});
  const auto code = processor->wait_exit(120s);
  ASSERT_TRUE(code.has_value()) << "bounded run still running after 120 s; log " << processor->log_path();
  ASSERT_EQ(*code, 0) << processor->log();

  TopicReader table(bootstrap(), run.output, kOutputPartitions);
  table.poll(2s);
  EXPECT_EQ(parse_rows(table.latest()), log_.expected) << diff(parse_rows(table.latest()), log_.expected);
  const auto [committed, end] = committed_and_end(bootstrap(), run.group, input_, kInputPartitions);
  EXPECT_EQ(committed, end);

  // A second bounded run of the same group finds nothing left to do.
  auto again = run.start({"--bounded"});
  EXPECT_EQ(again->wait_exit(60s), 0) << again->log();
  TopicReader reread(bootstrap(), run.output, kOutputPartitions);
  reread.poll(2s);
  EXPECT_EQ(parse_rows(reread.latest()), log_.expected);
}

// docs/design.md, invariant 8: exactly once across crashes.
TEST_F(ProcessorIntegration, StreamRunKilledFiveTimesEndsWithTheBoundedTable) {
  KAPPA_NEEDS_STACK();
  // Its own log, produced in six chunks: each run has a fresh backlog, so
  // the kills land while transactions are in flight.
  const auto log = generate_event_log(kEvents, kUsers, kBadEvery, 7);
  const std::string input = unique("events-crash");
  ASSERT_EQ(create_topic(bootstrap(), input, kInputPartitions), "");
  auto run = fresh_run(input);
  ASSERT_NO_FATAL_FAILURE(
      kill_five_times(run, [&](std::size_t i) { produce_all(bootstrap(), input, chunk_of(log.records, i)); }));
  produce_all(bootstrap(), input, chunk_of(log.records, 5));
  auto processor = run.start(crash_run_args());
  TopicReader table(bootstrap(), run.output, kOutputPartitions);
  ASSERT_TRUE(table_reaches(table, log.expected, 120s))
      << diff(parse_rows(table.latest()), log.expected) << "\nlog: " << processor->log_path();
  processor->send(SIGTERM);
  EXPECT_EQ(processor->wait_exit(30s), 0);

  // One bounded run over the same log gives the same table.
  const auto batch = fresh_run(input);
  auto bounded = batch.start({"--bounded"});
  ASSERT_EQ(bounded->wait_exit(120s), 0) << bounded->log();
  TopicReader batch_table(bootstrap(), batch.output, kOutputPartitions);
  batch_table.poll(2s);
  EXPECT_EQ(parse_rows(batch_table.latest()), parse_rows(table.latest()));
  EXPECT_EQ(parse_rows(batch_table.latest()), log.expected);
}

// Two replicas in one group; one is SIGKILLed (no static membership) and
// the other takes its partitions over once the session times out.
TEST_F(ProcessorIntegration, ReplicasShareTheGroupAndOneTakesOverFromACrashedPeer) {
  KAPPA_NEEDS_STACK();
  const auto log = generate_event_log(12000, kUsers, kBadEvery, 11);
  const std::string input = unique("events-replicas");
  ASSERT_EQ(create_topic(bootstrap(), input, kInputPartitions), "");
  auto a = fresh_run(input);
  a.instance = "replica-a";
  auto b = a;
  b.instance = "replica-b";
  b.port = free_port();
  const std::size_t third = log.records.size() / 3;
  const auto part = [&](std::size_t i) {
    return std::vector<Record>(log.records.begin() + static_cast<std::ptrdiff_t>(i * third),
                               i == 2 ? log.records.end()
                                      : log.records.begin() + static_cast<std::ptrdiff_t>((i + 1) * third));
  };
  const auto scrape = [](const ProcessorRun& run, const std::string& series) {
    const auto answer = http_get("127.0.0.1", run.port, "/metrics");
    return answer.status == 200 ? metric(answer.body, series) : -1;
  };
  const std::vector<std::string> args = {"--max-transaction-records", "500"};

  produce_all(bootstrap(), input, part(0));
  auto first = a.start(args);
  ASSERT_TRUE(wait_for(60s, [&] {
    return scrape(a, "kappa_processor_transactions_total{outcome=\"committed\"}") > 0;
  })) << first->log();
  auto second = b.start(args);
  // The group rebalances: both replicas end up with partitions.
  ASSERT_TRUE(wait_for(60s, [&] {
    return scrape(a, "kappa_processor_assigned_partitions") > 0 &&
           scrape(b, "kappa_processor_assigned_partitions") > 0 &&
           scrape(a, "kappa_processor_assigned_partitions") + scrape(b, "kappa_processor_assigned_partitions") ==
               kInputPartitions;
  })) << second->log();
  produce_all(bootstrap(), input, part(1));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  first->send(SIGKILL);
  ASSERT_EQ(first->wait_exit(10s), 128 + SIGKILL);
  produce_all(bootstrap(), input, part(2));

  TopicReader table(bootstrap(), a.output, kOutputPartitions);
  ASSERT_TRUE(table_reaches(table, log.expected, 120s))
      << diff(parse_rows(table.latest()), log.expected) << "\nlogs: " << first->log_path() << " "
      << second->log_path();
  EXPECT_EQ(scrape(b, "kappa_processor_assigned_partitions"), kInputPartitions);
  // The survivor serves the whole table.
  std::map<std::string, nlohmann::json> served;
  HttpResult answer;
  ASSERT_TRUE(wait_for(20s, [&] {
    answer = http_get("127.0.0.1", b.port, "/v1/keys?limit=1000");
    if (answer.status != 200) return false;
    served.clear();
    const auto body = nlohmann::json::parse(answer.body, nullptr, false);
    if (!body.is_object()) return false;
    for (const auto& item : body["items"]) served[item["key"].get<std::string>()] = item["value"];
    return served == log.expected;
  })) << "HTTP " << answer.status << ", " << answer.body.size() << " bytes: " << diff(served, log.expected);
  second->send(SIGTERM);
  EXPECT_EQ(second->wait_exit(30s), 0) << second->log();
}

// Every third transaction is aborted after its writes (fault injection):
// each abort rewinds state and offsets, and the table is still exact.
TEST_F(ProcessorIntegration, AbortedTransactionsRewindWithoutDoubleCounting) {
  KAPPA_NEEDS_STACK();
  const auto run = fresh_run(input_);
  auto processor = run.start({"--fault-abort-every", "3", "--max-transaction-records", "1000"});
  TopicReader table(bootstrap(), run.output, kOutputPartitions);
  ASSERT_TRUE(table_reaches(table, log_.expected, 90s))
      << diff(parse_rows(table.latest()), log_.expected) << "\nlog: " << processor->log_path();
  const auto metrics = http_get("127.0.0.1", run.port, "/metrics").body;
  EXPECT_GT(metric(metrics, "kappa_processor_transactions_total{outcome=\"aborted\"}"), 0) << metrics;
  // Re-processed records count again in records_in.
  EXPECT_GT(metric(metrics, "kappa_processor_records_in_total"), static_cast<double>(kEvents + log_.bad));
  processor->send(SIGTERM);
  EXPECT_EQ(processor->wait_exit(30s), 0) << processor->log();
}

TEST_F(ProcessorIntegration, StartFromATimestampSkipsEarlierEvents) {
  KAPPA_NEEDS_STACK();
  auto before = generate_event_log(2000, 50, 0, 1);
  auto after = generate_event_log(2000, 50, 0, 2);
  // Explicit timestamps a second either side of the start time (recent,
  // so retention keeps them).
  const int64_t since = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count() - 60'000;
  for (auto& r : before.records) r.timestamp_ms = since - 1000;
  for (auto& r : after.records) r.timestamp_ms = since + 1000;
  const std::string input = unique("events-since");
  ASSERT_EQ(create_topic(bootstrap(), input, 2), "");
  produce_all(bootstrap(), input, before.records);
  produce_all(bootstrap(), input, after.records);

  auto run = fresh_run(input);
  run.extra_env["KAPPA_START_FROM"] = std::to_string(since);
  auto processor = run.start({"--bounded"});
  ASSERT_EQ(processor->wait_exit(60s), 0) << processor->log();
  TopicReader table(bootstrap(), run.output, kOutputPartitions);
  table.poll(2s);
  EXPECT_EQ(parse_rows(table.latest()), after.expected) << diff(parse_rows(table.latest()), after.expected);
}

// Lambda mode's boundary: a batch run stops at snapshot offsets taken
// while events kept coming, and a run started at exactly those offsets
// folds only what came after; together they cover the log once.
TEST_F(ProcessorIntegration, ABatchRunStopsAtTheSnapshotAndASpeedRunStartsThere) {
  KAPPA_NEEDS_STACK();
  const auto before = generate_event_log(3000, 60, 0, 3);
  const auto after = generate_event_log(2000, 60, 0, 4);
  const std::string input = unique("events-snapshot");
  ASSERT_EQ(create_topic(bootstrap(), input, 3), "");
  produce_all(bootstrap(), input, before.records);
  const auto snapshot = end_offsets_json(input, 3);
  produce_all(bootstrap(), input, after.records);

  auto batch = fresh_run(input);
  batch.extra_env["KAPPA_STOP_AT"] = snapshot.dump();
  auto batch_run = batch.start({"--bounded"});
  ASSERT_EQ(batch_run->wait_exit(60s), 0) << batch_run->log();
  TopicReader batch_table(bootstrap(), batch.output, kOutputPartitions);
  batch_table.poll(2s);
  EXPECT_EQ(parse_rows(batch_table.latest()), before.expected) << diff(parse_rows(batch_table.latest()), before.expected);

  auto speed = fresh_run(input);
  speed.extra_env["KAPPA_START_FROM"] = snapshot.dump();
  auto speed_run = speed.start({"--bounded"});
  ASSERT_EQ(speed_run->wait_exit(60s), 0) << speed_run->log();
  TopicReader speed_table(bootstrap(), speed.output, kOutputPartitions);
  speed_table.poll(2s);
  EXPECT_EQ(parse_rows(speed_table.latest()), after.expected) << diff(parse_rows(speed_table.latest()), after.expected);

  // A snapshot of another topic's partitions is refused at start (exit 2).
  auto wrong = fresh_run(input);
  wrong.extra_env["KAPPA_STOP_AT"] = R"({"0": 1, "1": 1})";
  auto wrong_run = wrong.start({"--bounded"});
  EXPECT_EQ(wrong_run->wait_exit(60s), 2) << wrong_run->log();
  EXPECT_NE(wrong_run->log().find("KAPPA_STOP_AT"), std::string::npos) << wrong_run->log();
}

// A Lambda speed layer: started at a generation's snapshot with the batch
// run's state changelog, it serves per key merge(batch, speed), which is
// the row of the whole log, and says which generation and snapshot answered.
// Sums of cents are compared to within rounding: the merge adds two partial
// sums where one fold adds value by value (docs/lambda.md).
TEST_F(ProcessorIntegration, ASpeedLayerServesTheMergeOfItsBatchAndItsOwnEvents) {
  KAPPA_NEEDS_STACK();
  const auto log = generate_event_log(6000, 80, 0, 9);
  const auto part = [&](std::size_t from, std::size_t to) {
    return std::vector<Record>(log.records.begin() + static_cast<std::ptrdiff_t>(from),
                               log.records.begin() + static_cast<std::ptrdiff_t>(to));
  };
  const std::string input = unique("events-lambda");
  ASSERT_EQ(create_topic(bootstrap(), input, 3), "");
  produce_all(bootstrap(), input, part(0, 3000));
  const auto snapshot = end_offsets_json(input, 3);
  produce_all(bootstrap(), input, part(3000, 4500));  // before the batch run even starts

  auto batch = fresh_run(input);
  batch.extra_env["KAPPA_STOP_AT"] = snapshot.dump();
  auto batch_run = batch.start({"--bounded"});
  ASSERT_EQ(batch_run->wait_exit(60s), 0) << batch_run->log();

  auto speed = fresh_run(input);
  speed.extra_env["KAPPA_START_FROM"] = snapshot.dump();
  speed.extra_env["KAPPA_BATCH_STATE_TOPIC"] = batch.output + ".state";
  speed.extra_env["KAPPA_VERSION"] = "7";
  auto speed_run = speed.start();
  const auto fetch = [&](const std::string& target) { return http_get("127.0.0.1", speed.port, target); };
  ASSERT_TRUE(wait_for(60s, [&] { return fetch("/readyz").status == 200; })) << fetch("/readyz").body;
  produce_all(bootstrap(), input, part(4500, 6000));  // while it serves

  std::map<std::string, nlohmann::json> answers;
  const bool all = wait_for(60s, [&] {
    for (const auto& [user, row] : log.expected) {
      const auto answer = fetch("/v1/keys/" + user);
      if (answer.status != 200) return false;
      answers[user] = nlohmann::json::parse(answer.body);
      if (answers[user]["value"]["total_events"] != row["total_events"]) return false;
    }
    return true;
  });
  ASSERT_TRUE(all) << "the merged view never reached the whole log; log " << speed_run->log_path();
  for (const auto& [user, row] : log.expected) {
    const auto& answer = answers[user];
    EXPECT_EQ(answer["generation"], 7);
    EXPECT_EQ(answer["snapshot"], snapshot);
    EXPECT_EQ(answer["value"], row) << user << ": every aggregate is exact (sums of fractions too; "
                                     "distinct sessions as a union)";
  }
}

TEST_F(ProcessorIntegration, MissingInputTopicExitsNonZeroNamingIt) {
  KAPPA_NEEDS_STACK();
  auto run = fresh_run(input_);
  run.input = unique("no-such-topic");
  auto processor = run.start();
  const auto code = processor->wait_exit(30s);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 1);
  EXPECT_NE(processor->log().find("input topic '" + run.input + "' does not exist"), std::string::npos)
      << processor->log();
}

// Start-up failures that need no broker.
TEST(ProcessorStartup, BadViewDefinitionExitsWithCode2NamingTheField) {
  ProcessorRun run;
  run.input = "in";
  run.output = "out";
  run.group = "g";
  run.port = free_port();
  run.view = R"({"key": "user_id", "aggregates": {"total_revenue": {"op": "sum"}}})";
  const auto log_path = log_dir() + "/bad-config.log";
  std::filesystem::remove(log_path);
  Subprocess processor(KAPPA_PROCESSOR_BINARY, {}, run.env(), log_path);
  EXPECT_EQ(processor.wait_exit(10s), 2);
  EXPECT_NE(processor.log().find("KAPPA_CONFIG.aggregates.total_revenue.field"), std::string::npos)
      << processor.log();
}

TEST(ProcessorStartup, UnreachableKafkaExitsNonZeroWithinTheStartupTimeout) {
  ProcessorRun run;
  run.input = "in";
  run.output = "out";
  run.group = "g";
  run.port = free_port();
  run.view = test_view();
  auto env = run.env();
  env["KAFKA_BOOTSTRAP_SERVERS"] = "127.0.0.1:" + std::to_string(free_port());
  env["KAPPA_STARTUP_TIMEOUT_MS"] = "2000";
  const auto log_path = log_dir() + "/unreachable.log";
  std::filesystem::remove(log_path);
  const auto started = std::chrono::steady_clock::now();
  Subprocess processor(KAPPA_PROCESSOR_BINARY, {}, env, log_path);
  const auto code = processor.wait_exit(20s);
  ASSERT_TRUE(code.has_value()) << "still running 20 s after start";
  EXPECT_EQ(*code, 1);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 10s);
  EXPECT_NE(processor.log().find("cannot reach Kafka"), std::string::npos) << processor.log();
}

}  // namespace
