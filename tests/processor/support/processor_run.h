#pragma once
// One kappa-processor run of the integration tests: its topics, group and
// environment, started as a subprocess the way a pod runs it; and the
// checks the tests share (the table read back, metrics scraped).
#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "support/event_log.h"
#include "support/kafka_helpers.h"
#include "support/metric_text.h"
#include "support/stack_env.h"
#include "support/subprocess.h"
#include "support/wait.h"

namespace kappa::testing::processor {

using namespace std::chrono_literals;

inline std::string unique(const std::string& prefix) {
  static std::mt19937_64 rng{std::random_device{}()};
  return prefix + "-" + std::to_string(rng() % 100000000);
}

inline std::string log_dir() {
  const auto dir = std::filesystem::temp_directory_path() / "kappa-processor-tests";
  std::filesystem::create_directories(dir);
  return dir.string();
}

// One processor run's topics, group and environment.
struct ProcessorRun {
  std::string input;
  std::string output;
  std::string group;
  std::string view;
  int port = 0;
  std::string instance = "test-instance";
  std::map<std::string, std::string> extra_env;

  std::map<std::string, std::string> env() const {
    auto env = base_env();
    for (const auto& [name, value] : extra_env) env[name] = value;
    return env;
  }

  std::map<std::string, std::string> base_env() const {
    return {{"KAFKA_BOOTSTRAP_SERVERS", kappa::testing::stack_env().kafka_bootstrap},
            {"KAPPA_PIPELINE", "user-stats"},
            {"KAPPA_VERSION", "1"},
            {"KAPPA_INPUT_TOPIC", input},
            {"KAPPA_CONSUMER_GROUP", group},
            {"KAPPA_OUTPUT_TOPIC", output},
            {"KAPPA_START_FROM", "earliest"},
            {"KAPPA_CONFIG", view},
            {"KAPPA_BIND_ADDRESS", "127.0.0.1"},
            {"KAPPA_SERVING_PORT", std::to_string(port)},
            {"KAPPA_INSTANCE_ID", instance},
            {"KAPPA_STARTUP_TIMEOUT_MS", "20000"}};
  }

  std::unique_ptr<Subprocess> start(const std::vector<std::string>& args = {}) const {
    return std::make_unique<Subprocess>(KAPPA_PROCESSOR_BINARY, args, env(),
                                        log_dir() + "/" + output + "." + instance + ".log");
  }
};

// Reads `topic` until its table equals `expected` or `timeout` passes.
inline bool table_reaches(TopicReader& reader, const std::map<std::string, nlohmann::json>& expected,
                   std::chrono::milliseconds timeout) {
  return kappa::testing::wait_for(timeout, [&] {
    reader.poll(300ms);
    return parse_rows(reader.latest()) == expected;
  }, 10ms);
}

inline std::string diff(const std::map<std::string, nlohmann::json>& actual,
                 const std::map<std::string, nlohmann::json>& expected) {
  std::string text = std::to_string(actual.size()) + " rows, expected " + std::to_string(expected.size());
  int shown = 0;
  for (const auto& [key, row] : expected) {
    const auto found = actual.find(key);
    if (found == actual.end() || found->second != row) {
      text += "\n  " + key + ": " + (found == actual.end() ? "missing" : found->second.dump()) +
              " expected " + row.dump();
      if (++shown == 5) break;
    }
  }
  return text;
}

inline double metric(const std::string& text, const std::string& series) {
  return kappa::testing::metric_value(text, series).value_or(-1);
}


}  // namespace kappa::testing::processor
