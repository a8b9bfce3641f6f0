#include "core/settings.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <iostream>
#include <nlohmann/json.hpp>
#include <random>

#include "core/errors.h"

namespace kappa::processor {
namespace {

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

std::string random_instance_id() {
  std::random_device device;
  std::uniform_int_distribution<std::uint32_t> digits;
  char text[16];
  std::snprintf(text, sizeof text, "%08x", digits(device));
  return std::string("instance-") + text;
}

void require(const std::string& value, const char* env, const char* flag) {
  if (value.empty()) throw ConfigError(env, std::string("required (set ") + env + " or " + flag + ")");
}

std::string env_or(char** environment, const std::string& name, const std::string& fallback) {
  if (environment) {
    const std::string prefix = name + "=";
    for (char** entry = environment; *entry; ++entry) {
      if (std::string_view(*entry).rfind(prefix, 0) == 0) return std::string(*entry + prefix.size());
    }
  }
  return fallback;
}

}  // namespace

PartitionOffsets parse_partition_offsets(const std::string& setting, const std::string& text) {
  const auto json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object() || json.empty()) {
    throw ConfigError(setting, "'" + text + "' is not a JSON object of partition offsets, e.g. {\"0\": 120}");
  }
  PartitionOffsets out;
  for (const auto& [key, value] : json.items()) {
    std::int32_t partition = -1;
    const auto [ptr, error] = std::from_chars(key.data(), key.data() + key.size(), partition);
    if (error != std::errc() || ptr != key.data() + key.size() || partition < 0) {
      throw ConfigError(setting, "'" + key + "' is not a partition number");
    }
    if (!value.is_number_integer() || value.get<std::int64_t>() < 0) {
      throw ConfigError(setting, "partition " + key + ": " + value.dump() + " is not an offset");
    }
    out[partition] = value.get<std::int64_t>();
  }
  return out;
}

void check_partitions(const std::string& setting, const PartitionOffsets& offsets, std::int32_t partitions) {
  const bool exact = static_cast<std::int32_t>(offsets.size()) == partitions && !offsets.empty() &&
                     offsets.begin()->first == 0 && offsets.rbegin()->first == partitions - 1;
  if (!exact) {
    throw ConfigError(setting, "names " + std::to_string(offsets.size()) + " partitions, but the input has " +
                                   std::to_string(partitions) + " (0 to " + std::to_string(partitions - 1) + ")");
  }
}

StartFrom StartFrom::parse(const std::string& text) {
  if (!text.empty() && text.front() == '{') {
    StartFrom start{Kind::Offsets, 0, parse_partition_offsets("KAPPA_START_FROM", text)};
    return start;
  }
  const auto value = lower(text);
  if (value.empty() || value == "earliest") return StartFrom{Kind::Earliest, 0, {}};
  if (value == "latest") return StartFrom{Kind::Latest, 0, {}};
  std::int64_t ms = 0;
  const auto [ptr, error] = std::from_chars(value.data(), value.data() + value.size(), ms);
  if (error != std::errc() || ptr != value.data() + value.size() || ms < 0) {
    throw ConfigError("KAPPA_START_FROM",
                      "'" + text + "' is not earliest, latest, epoch milliseconds or a JSON object of partition offsets");
  }
  return StartFrom{Kind::Timestamp, ms, {}};
}

std::string StartFrom::describe() const {
  switch (kind) {
    case Kind::Earliest: return "earliest";
    case Kind::Latest: return "latest";
    case Kind::Timestamp: return "timestamp " + std::to_string(timestamp_ms) + " ms";
    case Kind::Offsets: return "offsets of " + std::to_string(offsets.size()) + " partitions";
  }
  return "?";
}

std::optional<Settings> parse_command_line(int argc, const char* const* argv, char** environment) {
  Settings s;
  std::string start_from;
  std::string properties_file;
  std::vector<std::string> property_flags;
  long long commit_interval_ms = s.commit_interval.count();
  long long catch_up_commit_interval_ms = s.catch_up_commit_interval.count();
  long long startup_timeout_ms = s.startup_timeout.count();
  long long purge_interval_ms = s.repartition_purge_interval.count();

  CLI::App app{
      "kappa-processor: declarative aggregations over a Kafka topic, exactly once, with a query API.\n"
      "Every option can be given by its environment variable (the processor contract); a flag wins."};
  app.set_version_flag("--version", "kappa-processor 0.1.0");
  app.add_option("--bootstrap-servers", s.bootstrap_servers, "Kafka bootstrap servers")->envname("KAFKA_BOOTSTRAP_SERVERS");
  app.add_option("--pipeline", s.pipeline, "Pipeline name (labels logs and client ids)")->envname("KAPPA_PIPELINE");
  app.add_option("--pipeline-version", s.version, "Pipeline version")->envname("KAPPA_VERSION");
  app.add_option("--input-topic", s.input_topic, "topic of input events (JSON)")->envname("KAPPA_INPUT_TOPIC");
  app.add_option("--consumer-group", s.consumer_group, "consumer group committing input offsets")
      ->envname("KAPPA_CONSUMER_GROUP");
  app.add_option("--output-topic", s.output_topic, "output table topic (compacted)")->envname("KAPPA_OUTPUT_TOPIC");
  app.add_option("--state-topic", s.state_topic, "state changelog topic (default <output>.state; created if missing)")
      ->envname("KAPPA_STATE_TOPIC");
  app.add_option("--start-from", start_from,
                 "earliest | latest | epoch ms | {\"<partition>\": <offset>, ...}, for partitions without a committed "
                 "offset")
      ->envname("KAPPA_START_FROM");
  app.add_option("--config", s.config_json, "view definition (JSON)")->envname("KAPPA_CONFIG");
  app.add_option("--bind-address", s.bind_address, "address of the HTTP API")->envname("KAPPA_BIND_ADDRESS");
  app.add_option("--serving-port", s.serving_port, "port of the HTTP API")->envname("KAPPA_SERVING_PORT");
  app.add_flag("--bounded", s.bounded, "batch mode: process up to the end offsets seen at start, then exit 0")
      ->envname("KAPPA_BOUNDED");
  std::string stop_at;
  std::string keying = "ViewKey";
  app.add_option("--input-keying", keying,
                 "ViewKey: each input record's Kafka key is its view key (checked); Any: any key or none, the input "
                 "is repartitioned by view key through <group>-kappa-repartition first")
      ->envname("KAPPA_INPUT_KEYING");
  app.add_option("--repartition-purge-interval-ms", purge_interval_ms,
                 "input keying Any, stream run: how often the repartition topic is purged below the committed offsets")
      ->envname("KAPPA_REPARTITION_PURGE_INTERVAL_MS");
  app.add_option("--batch-state-topic", s.batch_state_topic,
                 "Lambda speed layer: the batch run's state changelog; serve merge(batch, speed) per key")
      ->envname("KAPPA_BATCH_STATE_TOPIC");
  app.add_option("--stop-at", stop_at,
                 "bounded mode: stop at these offsets, {\"<partition>\": <offset>, ...}, not the end offsets at start")
      ->envname("KAPPA_STOP_AT");
  app.add_option("--instance-id", s.instance_id, "stable id of this replica (default $HOSTNAME)")
      ->envname("KAPPA_INSTANCE_ID");
  app.add_flag("--static-membership", s.static_membership, "join the group as static member <instance-id>")
      ->envname("KAPPA_STATIC_MEMBERSHIP");
  app.add_flag("--create-output-topic", s.create_output_topic, "create the output topic when missing (compacted)")
      ->envname("KAPPA_CREATE_OUTPUT_TOPIC");
  app.add_option("--state-replication-factor", s.state_replication_factor,
                 "replication factor of a created state topic (-1: broker default)")
      ->envname("KAPPA_STATE_REPLICATION_FACTOR");
  app.add_option("--commit-interval-ms", commit_interval_ms, "longest time between transaction commits")
      ->envname("KAPPA_COMMIT_INTERVAL_MS");
  app.add_option("--max-transaction-records", s.max_transaction_records, "most input records per transaction")
      ->envname("KAPPA_MAX_TRANSACTION_RECORDS");
  app.add_option("--catch-up-lag", s.catch_up_lag,
                 "lag (records) from which a stream run commits with the catch-up limits (0: never)")
      ->envname("KAPPA_CATCH_UP_LAG");
  app.add_option("--catch-up-commit-interval-ms", catch_up_commit_interval_ms,
                 "longest time between commits while catching up (and in bounded mode)")
      ->envname("KAPPA_CATCH_UP_COMMIT_INTERVAL_MS");
  app.add_option("--catch-up-max-transaction-records", s.catch_up_max_transaction_records,
                 "most input records per transaction while catching up (and in bounded mode)")
      ->envname("KAPPA_CATCH_UP_MAX_TRANSACTION_RECORDS");
  app.add_option("--startup-timeout-ms", startup_timeout_ms, "give up when Kafka does not answer at start")
      ->envname("KAPPA_STARTUP_TIMEOUT_MS");
  app.add_option("--kafka-properties-file", properties_file, "librdkafka properties file (name=value lines)")
      ->envname("KAPPA_KAFKA_PROPERTIES_FILE");
  app.add_option("--kafka-prop", property_flags, "librdkafka property name=value (repeatable)");
  app.add_option("--log-level", s.log_level, "trace, debug, info, warn, error")->envname("KAPPA_LOG_LEVEL");
  app.add_option("--fault-abort-every", s.fault_abort_every,
                 "testing only: abort every Nth transaction after its writes (0: never)")
      ->envname("KAPPA_FAULT_ABORT_EVERY");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::cout << app.help();
    return std::nullopt;
  } catch (const CLI::CallForVersion&) {
    std::cout << app.version() << "\n";
    return std::nullopt;
  } catch (const CLI::ParseError& e) {
    throw ConfigError("command line", e.what());
  }

  require(s.bootstrap_servers, "KAFKA_BOOTSTRAP_SERVERS", "--bootstrap-servers");
  require(s.input_topic, "KAPPA_INPUT_TOPIC", "--input-topic");
  require(s.consumer_group, "KAPPA_CONSUMER_GROUP", "--consumer-group");
  require(s.output_topic, "KAPPA_OUTPUT_TOPIC", "--output-topic");
  require(s.config_json, "KAPPA_CONFIG", "--config");
  if (s.state_topic.empty()) s.state_topic = s.output_topic + ".state";
  if (s.state_topic == s.output_topic || s.state_topic == s.input_topic || s.output_topic == s.input_topic) {
    throw ConfigError("KAPPA_OUTPUT_TOPIC", "input, output and state topics must be three different topics");
  }
  s.start_from = StartFrom::parse(start_from);
  if (keying == "Any") {
    s.repartition_topic = repartition_topic_of(s.consumer_group);
  } else if (keying != "ViewKey") {
    throw ConfigError("KAPPA_INPUT_KEYING", "\"" + keying + "\" is neither ViewKey nor Any");
  }
  if (!stop_at.empty()) {
    if (!s.bounded) throw ConfigError("KAPPA_STOP_AT", "only a bounded run (--bounded) stops at offsets");
    s.stop_at = parse_partition_offsets("KAPPA_STOP_AT", stop_at);
  }
  if (!s.batch_state_topic.empty()) {
    if (s.bounded) throw ConfigError("KAPPA_BATCH_STATE_TOPIC", "a speed layer is a stream run, not --bounded");
    if (s.start_from.kind != StartFrom::Kind::Offsets) {
      throw ConfigError("KAPPA_BATCH_STATE_TOPIC",
                        "a speed layer starts at its generation's snapshot: KAPPA_START_FROM must be partition offsets");
    }
  }
  if (s.serving_port < 1 || s.serving_port > 65535) {
    throw ConfigError("KAPPA_SERVING_PORT", std::to_string(s.serving_port) + " is not a port (1-65535)");
  }
  if (s.bind_address.empty()) s.bind_address = "0.0.0.0";
  if (commit_interval_ms < 1) throw ConfigError("KAPPA_COMMIT_INTERVAL_MS", "must be at least 1");
  if (purge_interval_ms < 1) throw ConfigError("KAPPA_REPARTITION_PURGE_INTERVAL_MS", "must be at least 1");
  if (startup_timeout_ms < 1) throw ConfigError("KAPPA_STARTUP_TIMEOUT_MS", "must be at least 1");
  if (s.max_transaction_records < 1) throw ConfigError("KAPPA_MAX_TRANSACTION_RECORDS", "must be at least 1");
  if (s.fault_abort_every == 1) throw ConfigError("KAPPA_FAULT_ABORT_EVERY", "1 would abort every transaction");
  if (catch_up_commit_interval_ms < 1) throw ConfigError("KAPPA_CATCH_UP_COMMIT_INTERVAL_MS", "must be at least 1");
  if (s.catch_up_max_transaction_records < 1) {
    throw ConfigError("KAPPA_CATCH_UP_MAX_TRANSACTION_RECORDS", "must be at least 1");
  }
  if (s.catch_up_lag < 0) throw ConfigError("KAPPA_CATCH_UP_LAG", "must be at least 0");
  s.commit_interval = std::chrono::milliseconds(commit_interval_ms);
  s.catch_up_commit_interval = std::chrono::milliseconds(catch_up_commit_interval_ms);
  s.startup_timeout = std::chrono::milliseconds(startup_timeout_ms);
  s.repartition_purge_interval = std::chrono::milliseconds(purge_interval_ms);
  if (s.instance_id.empty()) s.instance_id = env_or(environment, "HOSTNAME", "");
  if (s.instance_id.empty()) s.instance_id = random_instance_id();

  s.kafka_properties = kafka::properties_from_env(environment);
  try {
    if (!properties_file.empty()) {
      for (auto& property : kafka::properties_from_file(properties_file)) s.kafka_properties.push_back(property);
    }
    for (const auto& flag : property_flags) s.kafka_properties.push_back(kafka::parse_property_assignment(flag));
  } catch (const std::invalid_argument& e) {
    throw ConfigError("--kafka-prop", e.what());
  }
  return s;
}

}  // namespace kappa::processor
