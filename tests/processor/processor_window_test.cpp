// kappa-processor's tumbling windows against the local stack's real broker:
// a windowed count and sum per user per 60 s over a generated log with
// out-of-order events (within the allowed lateness) and late ones (beyond
// it) gives exactly the table an independent recomputation gives (its own
// watermark per input partition, written here without the processor's
// code), in stream and in bounded mode; late events are counted, not
// folded; the HTTP API lists a user's windows that are not evicted; and a
// stream run SIGKILLed five times mid-replay ends with the bounded table.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "support/crash_runs.h"
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
using nlohmann::json;

constexpr int kInputPartitions = 4;
constexpr int kOutputPartitions = 3;
constexpr int kUsers = 40;
constexpr std::int64_t kSize = 60000, kLateness = 10000, kRetention = 120000;
constexpr std::int64_t kStart = 1796621400000LL;  // 2026-12-07T05:30:00Z

const json kView = {{"key", "user_id"},
                    {"aggregates",
                     {{"events", {{"op", "count"}}}, {"revenue", {{"op", "sum"}, {"field", "cents"}}}}},
                    {"window", {{"field", "ts"}, {"size", "60s"}, {"allowedLateness", "10s"}, {"retention", "2m"}}}};

struct Event {
  int partition;  // the test's own key -> partition mapping: user index % partitions
  std::string user;
  std::int64_t ts;
  std::string value;
};

// RFC 3339 UTC with milliseconds, from the C library (not the processor's code).
std::string utc(std::int64_t ms) {
  const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char text[96];
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
  return text;
}

// The same instant with a +01:00 offset.
std::string with_offset(std::int64_t ms) {
  std::string text = utc(ms + 3600000);
  text.pop_back();
  return text + "+01:00";
}

// Per partition, event time walks forward 0-1.5 s per event; most events
// are a little behind it, some up to 60 s (late only when past the window's
// end + 10 s), a few 4-6 minutes (always late). Times are numbers or RFC
// 3339 strings.
std::vector<Event> generate(std::size_t count, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<std::int64_t> now(kInputPartitions, kStart);
  std::vector<Event> events;
  for (std::size_t i = 0; i < count; ++i) {
    const int user = static_cast<int>(rng() % kUsers);
    const int partition = user % kInputPartitions;
    now[partition] += rng() % 1500;
    std::int64_t ts = now[partition] - static_cast<std::int64_t>(rng() % 2000);
    const auto kind = rng() % 100;
    if (kind < 10) ts = now[partition] - static_cast<std::int64_t>(rng() % 60000);
    if (kind >= 97) ts = now[partition] - 240000 - static_cast<std::int64_t>(rng() % 120000);
    json event = {{"user_id", "u-" + std::to_string(user)}, {"cents", static_cast<int>(rng() % 10000)}};
    switch (rng() % 3) {
      case 0: event["ts"] = ts; break;
      case 1: event["ts"] = utc(ts); break;
      default: event["ts"] = with_offset(ts); break;
    }
    events.push_back({partition, event["user_id"], ts, event.dump()});
  }
  return events;
}

struct Expected {
  std::map<std::string, json> table;           // "<user>@<start>" -> row
  std::size_t late = 0;
  std::map<int, std::int64_t> watermarks;      // per partition, at the end
};

// The windowed table, recomputed: per partition in log order, an event is
// late when its window's end + lateness <= the greatest time seen before it.
Expected recompute(const std::vector<Event>& events) {
  Expected out;
  std::map<std::string, std::pair<std::int64_t, std::int64_t>> rows;  // count, sum
  std::map<std::string, std::int64_t> starts;
  for (const auto& e : events) {
    std::int64_t start = e.ts / kSize * kSize;
    if (e.ts % kSize != 0 && e.ts < 0) start -= kSize;
    const auto mark = out.watermarks.find(e.partition);
    if (mark != out.watermarks.end() && start + kSize + kLateness <= mark->second) {
      ++out.late;
      continue;
    }
    if (mark == out.watermarks.end() || e.ts > mark->second) out.watermarks[e.partition] = e.ts;
    const std::string key = e.user + "@" + std::to_string(start);
    auto& row = rows[key];
    ++row.first;
    row.second += json::parse(e.value)["cents"].get<std::int64_t>();
    starts[key] = start;
  }
  for (const auto& [key, row] : rows) {
    out.table[key] = {{"window_start", utc(starts[key])},
                      {"window_end", utc(starts[key] + kSize)},
                      {"events", row.first},
                      {"revenue", row.second}};
  }
  return out;
}

// Produces each event to its own partition, in order, and waits for delivery.
void produce_partitioned(const std::string& bootstrap, const std::string& topic, const std::vector<Event>& events) {
  std::string error;
  const auto conf = kappa::testing::processor::conf_of(
      {{"bootstrap.servers", bootstrap}, {"enable.idempotence", "true"}, {"linger.ms", "5"}});
  std::unique_ptr<RdKafka::Producer> producer(RdKafka::Producer::create(conf.get(), error));
  ASSERT_TRUE(producer) << error;
  for (const auto& e : events) {
    RdKafka::ErrorCode code;
    while ((code = producer->produce(topic, e.partition, RdKafka::Producer::RK_MSG_COPY,
                                     const_cast<char*>(e.value.data()), e.value.size(), e.user.data(), e.user.size(),
                                     0, nullptr)) == RdKafka::ERR__QUEUE_FULL) {
      producer->poll(50);
    }
    ASSERT_EQ(code, RdKafka::ERR_NO_ERROR) << RdKafka::err2str(code);
  }
  ASSERT_EQ(producer->flush(30000), RdKafka::ERR_NO_ERROR);
}

class ProcessorWindows : public ::testing::Test {
 protected:
  static std::string bootstrap() { return kappa::testing::stack_env().kafka_bootstrap; }

  ProcessorRun fresh_run(const std::string& input, const json& view = kView) {
    ProcessorRun run;
    run.input = input;
    run.output = unique("user-windows");
    run.group = "kappa.test." + run.output;
    run.view = view.dump();
    run.port = free_port();
    EXPECT_EQ(create_topic(bootstrap(), run.output, kOutputPartitions, true), "");
    return run;
  }

  std::map<std::string, json> bounded_table(const std::string& input, const json& view = kView) {
    const auto run = fresh_run(input, view);
    auto bounded = run.start({"--bounded"});
    EXPECT_EQ(bounded->wait_exit(120s), 0) << bounded->log();
    TopicReader table(bootstrap(), run.output, kOutputPartitions);
    table.poll(2s);
    return parse_rows(table.latest());
  }
};

TEST_F(ProcessorWindows, StreamAndBoundedRunsEqualTheRecomputedWindowsAndCountLateEvents) {
  KAPPA_NEEDS_STACK();
  const auto events = generate(12000, 3);
  const auto expected = recompute(events);
  ASSERT_GT(expected.late, 300u);  // the log has late events, and out-of-order ones that are not late
  const std::string input = unique("window-events");
  ASSERT_EQ(create_topic(bootstrap(), input, kInputPartitions), "");
  produce_partitioned(bootstrap(), input, events);

  const auto run = fresh_run(input);
  auto processor = run.start();
  TopicReader table(bootstrap(), run.output, kOutputPartitions);
  ASSERT_TRUE(table_reaches(table, expected.table, 120s))
      << diff(parse_rows(table.latest()), expected.table) << "\nlog: " << processor->log_path();
  std::string metrics;
  ASSERT_TRUE(wait_for(30s, [&] {
    metrics = http_get("127.0.0.1", run.port, "/metrics").body;
    return metric(metrics, "kappa_processor_records_in_total") == static_cast<double>(events.size());
  }));
  EXPECT_EQ(metric(metrics, "kappa_processor_records_bad_total{reason=\"late\"}"), static_cast<double>(expected.late));
  EXPECT_EQ(metric(metrics, "kappa_processor_records_bad_total{reason=\"wrong_type\"}"), 0);

  // The API lists a user's windows that are not evicted yet, newest first:
  // those whose end + lateness + retention is after its partition's watermark.
  const std::string user = "u-5";
  std::vector<std::string> kept;
  for (auto it = expected.table.rbegin(); it != expected.table.rend(); ++it) {
    const auto at = it->first.rfind('@');
    if (it->first.substr(0, at) != user) continue;
    const auto start = std::stoll(it->first.substr(at + 1));
    if (start + kSize + kLateness + kRetention > expected.watermarks.at(5 % kInputPartitions)) {
      kept.push_back(utc(start));
    }
  }
  std::sort(kept.rbegin(), kept.rend());
  ASSERT_FALSE(kept.empty());
  json served;
  EXPECT_TRUE(wait_for(30s, [&] {
    const auto response = http_get("127.0.0.1", run.port, "/v1/keys/" + user);
    if (response.status != 200) return false;
    served = json::parse(response.body);
    std::vector<std::string> starts;
    for (const auto& window : served["windows"]) starts.push_back(window["start"]);
    return starts == kept;
  })) << served.dump() << " expected starts " << json(kept).dump();
  const auto one = http_get("127.0.0.1", run.port, "/v1/keys/" + user + "/windows/" + kept.front());
  EXPECT_EQ(one.status, 200) << one.body;
  EXPECT_EQ(json::parse(one.body)["value"], served["windows"][0]["value"]);
  EXPECT_EQ(http_get("127.0.0.1", run.port, "/v1/keys/" + user + "/windows/12345").status, 400);
  processor->send(SIGTERM);
  EXPECT_EQ(processor->wait_exit(30s), 0);

  EXPECT_EQ(bounded_table(input), expected.table);
}

TEST_F(ProcessorWindows, TheSqlFormWithItsWindowSiblingGivesTheSameTable) {
  KAPPA_NEEDS_STACK();
  const auto events = generate(3000, 4);
  const auto expected = recompute(events);
  const std::string input = unique("window-sql");
  ASSERT_EQ(create_topic(bootstrap(), input, kInputPartitions), "");
  produce_partitioned(bootstrap(), input, events);
  const json sql = {{"sql",
                     "SELECT user_id, COUNT(*) AS events, SUM(cents) AS revenue FROM events "
                     "GROUP BY user_id, TUMBLE(ts, INTERVAL '60' SECOND)"},
                    {"window", {{"allowedLateness", "10s"}, {"retention", "2m"}}}};
  EXPECT_EQ(bounded_table(input, sql), expected.table);
}

TEST_F(ProcessorWindows, StreamRunKilledFiveTimesEndsWithTheBoundedTable) {
  KAPPA_NEEDS_STACK();
  const auto events = generate(15000, 7);
  const auto expected = recompute(events);
  const std::string input = unique("window-crash");
  ASSERT_EQ(create_topic(bootstrap(), input, kInputPartitions), "");
  auto run = fresh_run(input);
  ASSERT_NO_FATAL_FAILURE(
      kill_five_times(run, [&](std::size_t i) { produce_partitioned(bootstrap(), input, chunk_of(events, i)); }));
  produce_partitioned(bootstrap(), input, chunk_of(events, 5));
  auto processor = run.start(crash_run_args());
  TopicReader table(bootstrap(), run.output, kOutputPartitions);
  ASSERT_TRUE(table_reaches(table, expected.table, 120s))
      << diff(parse_rows(table.latest()), expected.table) << "\nlog: " << processor->log_path();
  processor->send(SIGTERM);
  EXPECT_EQ(processor->wait_exit(30s), 0);
  EXPECT_EQ(bounded_table(input), parse_rows(table.latest()));
}

}  // namespace
