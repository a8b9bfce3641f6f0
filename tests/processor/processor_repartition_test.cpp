// Input of any keying, against the real broker: records produced with null
// keys, or keyed by something other than the view key, give the exact
// per-user table once the processor repartitions them by view key
// (KAPPA_INPUT_KEYING=Any), in bounded mode and in a stream run SIGKILLed
// five times; without it (ViewKey, the default fast path) such an input is
// refused with exit 2 and what to do, not folded into a wrong table.
//
// `last` of a repartitioned input is the value of the latest event by
// (record timestamp, input partition, input offset): the records here get
// strictly increasing timestamps in production order, the order in which
// the independent expectation folds them. (A producer's own clock is not
// enough: thousands of records share a millisecond, and such ties fall to
// the partition, which is not production order.)
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <numeric>
#include <random>
#include <set>
#include <thread>

#include "support/crash_runs.h"
#include "support/event_log.h"
#include "support/http_get.h"
#include "support/kafka_helpers.h"
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

// Timestamps one millisecond apart in production order, ending now.
std::vector<Record> stamped(std::vector<Record> records) {
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch()).count();
  const auto first = now - static_cast<int64_t>(records.size());
  for (std::size_t i = 0; i < records.size(); ++i) records[i].timestamp_ms = first + static_cast<int64_t>(i);
  return records;
}

class ProcessorRepartition : public ::testing::Test {
 protected:
  static std::string bootstrap() { return kappa::testing::stack_env().kafka_bootstrap; }

  // The generated log with every record's key replaced by `key_of(i)`.
  static std::string input_with_keys(const EventLog& log, const std::function<std::string(std::size_t)>& key_of) {
    const std::string input = unique("events-rekeyed");
    EXPECT_EQ(create_topic(bootstrap(), input, kInputPartitions), "");
    std::vector<Record> records = stamped(log.records);
    for (std::size_t i = 0; i < records.size(); ++i) records[i].key = key_of(i);
    produce_all(bootstrap(), input, records);
    return input;
  }

  static ProcessorRun run_of(const std::string& input, bool repartition, const std::string& dead_letter = "") {
    ProcessorRun run;
    run.input = input;
    run.output = unique("rekeyed-stats");
    run.group = "kappa.test." + run.output;
    run.view = test_view(dead_letter);
    run.port = free_port();
    if (repartition) run.extra_env["KAPPA_INPUT_KEYING"] = "Any";
    EXPECT_EQ(create_topic(bootstrap(), run.output, kOutputPartitions, true), "");
    return run;
  }

  static std::map<std::string, nlohmann::json> bounded_table(const ProcessorRun& run) {
    auto processor = run.start({"--bounded"});
    EXPECT_EQ(processor->wait_exit(120s), 0) << processor->log();
    TopicReader table(bootstrap(), run.output, kOutputPartitions);
    table.poll(2s);
    return parse_rows(table.latest());
  }
};

TEST_F(ProcessorRepartition, NullKeysAndRandomKeysBothGiveTheExactTable) {
  KAPPA_NEEDS_STACK();
  const auto log = generate_event_log(20000, 300, 200, 21);
  std::mt19937 random(5);
  const auto null_keys = input_with_keys(log, [](std::size_t) { return std::string(); });
  const auto random_keys = input_with_keys(log, [&](std::size_t) { return "k-" + std::to_string(random()); });

  for (const auto& input : {null_keys, random_keys}) {
    const auto run = run_of(input, true);
    const auto table = bounded_table(run);
    EXPECT_EQ(table, log.expected) << input << ": " << diff(table, log.expected);
    // The repartition topic is the version's, named from its group.
    const auto [committed, end] = committed_and_end(bootstrap(), run.group, run.group + "-kappa-repartition",
                                                    kInputPartitions);
    EXPECT_EQ(committed, end) << "the folding stage committed all of the repartition topic";
    int64_t routed = 0;
    for (const auto e : end) routed += e;
    EXPECT_GE(routed, static_cast<int64_t>(log.records.size())) << "every record went through the repartition topic";
    // Purged: what the folding stage committed is never read again.
    EXPECT_EQ(low_watermarks(bootstrap(), run.group + "-kappa-repartition", kInputPartitions), committed);
  }
}

// Null keys, or keys that are not the user (ten times as many as users).
class ProcessorRepartitionCrash : public ProcessorRepartition, public ::testing::WithParamInterface<bool> {};

TEST_P(ProcessorRepartitionCrash, AStreamRunKilledFiveTimesEndsWithTheExactTable) {
  KAPPA_NEEDS_STACK();
  const bool null_keys = GetParam();
  const auto log = generate_event_log(20000, 300, 200, 23);
  const std::string input = unique("events-rekeyed-crash");
  ASSERT_EQ(create_topic(bootstrap(), input, kInputPartitions), "");
  auto run = run_of(input, true);
  std::mt19937 random(std::random_device{}());
  std::vector<Record> records = stamped(log.records);
  for (auto& record : records) record.key = null_keys ? std::string() : "k-" + std::to_string(random() % 3000);
  ASSERT_NO_FATAL_FAILURE(
      kill_five_times(run, [&](std::size_t i) { produce_all(bootstrap(), input, chunk_of(records, i)); }));
  produce_all(bootstrap(), input, chunk_of(records, 5));
  auto processor = run.start(crash_run_args());
  TopicReader table(bootstrap(), run.output, kOutputPartitions);
  ASSERT_TRUE(table_reaches(table, log.expected, 120s))
      << diff(parse_rows(table.latest()), log.expected) << "\nlog: " << processor->log_path();
  // Each start purged what the runs before it had folded and committed.
  const auto repartition = run.group + "-kappa-repartition";
  EXPECT_TRUE(wait_for(30s, [&] {
    int64_t purged = 0;
    for (const auto low : low_watermarks(bootstrap(), repartition, kInputPartitions)) purged += low;
    return purged > 0;
  })) << "the repartition topic was never purged; log: " << processor->log_path();
  processor->send(SIGTERM);
  EXPECT_EQ(processor->wait_exit(30s), 0) << processor->log();
}

INSTANTIATE_TEST_SUITE_P(Keys, ProcessorRepartitionCrash, ::testing::Values(true, false),
                         [](const auto& info) { return info.param ? "NullKeys" : "RandomKeys"; });

TEST_F(ProcessorRepartition, AStreamRunPurgesTheRepartitionTopicAsItGoes) {
  KAPPA_NEEDS_STACK();
  const auto log = generate_event_log(5000, 100, 50, 29);
  const std::string input = unique("events-rekeyed-purge");
  ASSERT_EQ(create_topic(bootstrap(), input, kInputPartitions), "");
  auto run = run_of(input, true);
  run.extra_env["KAPPA_REPARTITION_PURGE_INTERVAL_MS"] = "200";
  // Started on an empty input: its purge at start deletes nothing, so any
  // record gone below the committed offsets was purged while it ran.
  auto processor = run.start();
  std::vector<Record> records = stamped(log.records);
  for (auto& record : records) record.key.clear();
  produce_all(bootstrap(), input, records);
  TopicReader table(bootstrap(), run.output, kOutputPartitions);
  ASSERT_TRUE(table_reaches(table, log.expected, 120s))
      << diff(parse_rows(table.latest()), log.expected) << "\nlog: " << processor->log_path();
  const auto repartition = run.group + "-kappa-repartition";
  std::vector<int64_t> committed, low;
  EXPECT_TRUE(wait_for(30s, [&] {
    committed = committed_and_end(bootstrap(), run.group, repartition, kInputPartitions).first;
    low = low_watermarks(bootstrap(), repartition, kInputPartitions);
    return low == committed && std::accumulate(low.begin(), low.end(), int64_t{0}) >= static_cast<int64_t>(records.size());
  })) << "low watermarks " << testing::PrintToString(low) << ", committed " << testing::PrintToString(committed)
      << "; log: " << processor->log_path();
  processor->send(SIGTERM);
  EXPECT_EQ(processor->wait_exit(30s), 0) << processor->log();
}

TEST_F(ProcessorRepartition, ADeadLetterOfARepartitionedInputNamesTheInputRecord) {
  KAPPA_NEEDS_STACK();
  const auto log = generate_event_log(3000, 40, 25, 31);
  const auto input = input_with_keys(log, [](std::size_t) { return std::string(); });
  const std::string dead_letter = unique("rekeyed-dead");
  ASSERT_EQ(create_topic(bootstrap(), dead_letter, 1), "");
  const auto run = run_of(input, true, dead_letter);
  EXPECT_EQ(bounded_table(run), log.expected);

  std::map<std::pair<int32_t, int64_t>, std::string> input_records;
  for (const auto& record : read_all(bootstrap(), input, kInputPartitions)) {
    input_records[{record.partition, record.offset}] = record.value;
  }
  const auto letters = read_all(bootstrap(), dead_letter, 1);
  ASSERT_EQ(letters.size(), log.bad);
  std::set<std::pair<int32_t, int64_t>> named;
  for (const auto& letter : letters) {
    ASSERT_EQ(letter.headers.at("kappa.source.topic"), input) << "not the repartition topic: the input";
    const std::pair<int32_t, int64_t> at{std::stoi(letter.headers.at("kappa.source.partition")),
                                         std::stoll(letter.headers.at("kappa.source.offset"))};
    ASSERT_EQ(input_records.count(at), 1u) << at.first << "@" << at.second;
    EXPECT_EQ(input_records.at(at), letter.value) << "the dead letter is the record at the coordinates it names";
    named.insert(at);
  }
  EXPECT_EQ(named.size(), log.bad) << "each bad input record once";
}

TEST_F(ProcessorRepartition, TheFastPathRefusesAnInputNotKeyedByTheViewKey) {
  KAPPA_NEEDS_STACK();
  const auto log = generate_event_log(2000, 50, 0, 3);
  std::mt19937 random(9);
  const auto input = input_with_keys(log, [&](std::size_t) { return "k-" + std::to_string(random()); });
  const auto run = run_of(input, false);
  auto processor = run.start({"--bounded"});
  EXPECT_EQ(processor->wait_exit(60s), 2);
  EXPECT_NE(processor->log().find("KAPPA_INPUT_KEYING: record " + input), std::string::npos) << processor->log();
  EXPECT_NE(processor->log().find("set the Pipeline's spec.input.keying to Any"), std::string::npos);
}

}  // namespace
