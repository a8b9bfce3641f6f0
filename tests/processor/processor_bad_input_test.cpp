// Security item 3 on the real broker: one bad event must not crash every
// replica forever. Each test mixes a hostile record into a log with a known
// answer; the stream must keep running (no crash, no abort loop), count and
// dead-letter the record, and build the exact table of every other key.
//  - a 70,000-deep and a 500,000-deep event (stack overflow in a recursive
//    parse, copy or dump);
//  - a ~600 KB array as the key, with a dead-letter topic (the error detail
//    repeated the value into a header: the dead letter outgrew the maximum
//    message size and every transaction aborted);
//  - a 999 KB string as the key (its output row and changelog record did);
//  - 60,000 distinct values for one key (its changelog record outgrew a
//    message the same way).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <string>
#include <vector>

#include "support/event_log.h"
#include "support/http_get.h"
#include "support/kafka_helpers.h"
#include "support/processor_run.h"
#include "support/stack_env.h"
#include "support/wait.h"

namespace {

using namespace std::chrono_literals;
using namespace kappa::testing::processor;
using kappa::testing::wait_for;

constexpr int kPartitions = 2;

class ProcessorBadInput : public ::testing::Test {
 protected:
  static std::string bootstrap() { return kappa::testing::stack_env().kafka_bootstrap; }

  // A fresh input, output and dead-letter topic; the good log produced first.
  void SetUp() override {
    if (bootstrap().empty()) return;
    log_ = generate_event_log(3000, 40, 0, 5);
    run_.input = unique("bad-input");
    run_.output = unique("bad-input-stats");
    dead_letter_ = unique("bad-input-dead");
    run_.group = "kappa.test." + run_.output;
    run_.view = test_view(dead_letter_);
    run_.port = free_port();
    ASSERT_EQ(create_topic(bootstrap(), run_.input, kPartitions), "");
    ASSERT_EQ(create_topic(bootstrap(), run_.output, kPartitions, true), "");
    ASSERT_EQ(create_topic(bootstrap(), dead_letter_, 1), "");
  }

  // Produces the first half of the good log, `hostile`, then the rest; runs
  // the processor and waits for the exact table of the good keys.
  void run_with(const std::vector<Record>& hostile) {
    const auto half = log_.records.begin() + static_cast<std::ptrdiff_t>(log_.records.size() / 2);
    produce_all(bootstrap(), run_.input, {log_.records.begin(), half});
    // Up to 1.1 MB: the 500,000-deep event is 1 MB.
    produce_all(bootstrap(), run_.input, hostile, {{"message.max.bytes", "1100000"}});
    produce_all(bootstrap(), run_.input, {half, log_.records.end()});
    processor_ = run_.start();
    TopicReader table(bootstrap(), run_.output, kPartitions);
    std::map<std::string, nlohmann::json> good;
    const bool reached = wait_for(120s, [&] {
      table.poll(300ms);
      good = parse_rows(table.latest());
      for (auto it = good.begin(); it != good.end();) it = log_.expected.count(it->first) ? std::next(it) : good.erase(it);
      return good == log_.expected || !processor_->running();
    }, 10ms);
    ASSERT_TRUE(reached && good == log_.expected)
        << diff(good, log_.expected) << "\nprocessor " << (processor_->running() ? "running" : "exited")
        << ", log " << processor_->log_path() << ":\n" << tail(processor_->log());
    rows_ = parse_rows(table.latest());
  }

  // The processor's metric `series` once it reaches `at_least` (-1 if it
  // never does within the deadline).
  double metric_reaching(const std::string& series, double at_least) {
    double value = -1;
    wait_for(30s, [&] {
      const auto answer = http_get("127.0.0.1", run_.port, "/metrics");
      value = answer.status == 200 ? metric(answer.body, series) : -1;
      return value >= at_least;
    });
    return value;
  }

  // The dead-letter topic's records once there are `count` of them.
  TopicReader& dead_letters(std::size_t count) {
    dead_ = std::make_unique<TopicReader>(bootstrap(), dead_letter_, 1);
    wait_for(30s, [&] {
      dead_->poll(200ms);
      return dead_->records() >= count;
    });
    return *dead_;
  }

  // The processor ran through it: still running, and stops cleanly.
  void expect_still_running_and_clean_stop() {
    ASSERT_TRUE(processor_->running()) << tail(processor_->log());
    processor_->send(SIGTERM);
    EXPECT_EQ(processor_->wait_exit(30s), 0) << tail(processor_->log());
  }

  static std::string tail(const std::string& text) {
    return text.size() > 4000 ? text.substr(text.size() - 4000) : text;
  }

  EventLog log_;
  ProcessorRun run_;
  std::string dead_letter_;
  std::unique_ptr<Subprocess> processor_;
  std::unique_ptr<TopicReader> dead_;
  std::map<std::string, nlohmann::json> rows_;
};

std::string nested(std::size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }

TEST_F(ProcessorBadInput, DeepEventsAreBadRecordsAndTheStreamGoesOn) {
  KAPPA_NEEDS_STACK();
  ASSERT_NO_FATAL_FAILURE(run_with({{"u-1", R"({"user_id": "u-1", "session_id": "s", "page": )" + nested(70000) + "}"},
            {"u-2", R"({"user_id": "u-2", "session_id": "s", "page": )" + nested(500000) + "}"}}));
  EXPECT_EQ(metric_reaching("kappa_processor_records_bad_total{reason=\"too_deep\"}", 2), 2);
  EXPECT_EQ(metric_reaching("kappa_processor_records_dead_lettered_total", 2), 2);
  auto& dead = dead_letters(2);
  EXPECT_EQ(dead.records(), 2u);
  EXPECT_EQ(dead.last_headers().at("kappa.error.reason"), "too_deep");
  // The 1 MB event does not fit a dead letter whole: cut, and said so.
  EXPECT_EQ(dead.last_headers().count("kappa.payload.truncated"), 1u);
  expect_still_running_and_clean_stop();
}

TEST_F(ProcessorBadInput, AHugeInvalidKeyIsDeadLetteredWithAShortDetail) {
  KAPPA_NEEDS_STACK();
  std::string key = "[0";
  while (key.size() < 600000) key += ",1234567";
  key += "]";
  ASSERT_NO_FATAL_FAILURE(run_with({{"u-3", R"({"user_id": )" + key + R"(, "session_id": "s", "page": "/x"})"}}));
  EXPECT_EQ(metric_reaching("kappa_processor_records_bad_total{reason=\"invalid_key\"}", 1), 1);
  EXPECT_EQ(metric_reaching("kappa_processor_records_dead_lettered_total", 1), 1);
  auto& dead = dead_letters(1);
  ASSERT_EQ(dead.records(), 1u);
  EXPECT_EQ(dead.last_headers().at("kappa.error.reason"), "invalid_key");
  EXPECT_LE(dead.last_headers().at("kappa.error.detail").size(), 1024u);
  EXPECT_EQ(dead.last_headers().count("kappa.payload.truncated"), 0u);  // 600 KB fits whole
  expect_still_running_and_clean_stop();
}

// A 999 KB string key is a valid JSON event within Kafka's limit, but its
// output row and changelog record (the key plus the value) are not.
TEST_F(ProcessorBadInput, AHugeStringKeyIsInvalidNotARecordKafkaRefuses) {
  KAPPA_NEEDS_STACK();
  const std::string key(999950, 'k');  // key + row: just over 1,000,000 bytes
  ASSERT_NO_FATAL_FAILURE(run_with({{"", R"({"user_id": ")" + key + R"(", "session_id": "s", "page": "/x"})"}}));
  EXPECT_EQ(metric_reaching("kappa_processor_records_bad_total{reason=\"invalid_key\"}", 1), 1);
  EXPECT_EQ(metric_reaching("kappa_processor_records_dead_lettered_total", 1), 1);
  EXPECT_EQ(rows_.count(key), 0u);
  expect_still_running_and_clean_stop();
}

TEST_F(ProcessorBadInput, AKeyWithSixtyThousandDistinctValuesStopsGrowingAndTheRestStaysExact) {
  KAPPA_NEEDS_STACK();
  std::vector<Record> big;
  for (int i = 0; i < 60000; ++i) {
    const nlohmann::json event = {{"user_id", "big"},
                                  {"session_id", "session-" + std::to_string(1000000 + i) + std::string(24, 'x')},
                                  {"page", "/p"}};
    big.push_back({"big", event.dump()});
  }
  ASSERT_NO_FATAL_FAILURE(run_with(big));
  const double limited = metric_reaching("kappa_processor_records_bad_total{reason=\"state_limit\"}", 1);
  EXPECT_GT(limited, 0);
  // The key's row holds what was folded before its set filled: consistent.
  ASSERT_TRUE(wait_for(30s, [&] {
    TopicReader table(bootstrap(), run_.output, kPartitions);
    table.poll(2s);
    rows_ = parse_rows(table.latest());
    return rows_.count("big") && rows_["big"]["total_events"] == 60000 - limited;
  })) << (rows_.count("big") ? rows_["big"].dump() : "no row for big");
  EXPECT_EQ(rows_["big"]["total_sessions"], rows_["big"]["total_events"]);
  expect_still_running_and_clean_stop();
}

}  // namespace
