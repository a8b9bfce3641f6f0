#pragma once
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "api/cron_schedule.h"
#include "kafka/admin_types.h"

namespace kappa::api {

struct RolloutSpec {
  std::string start_from = "Earliest";  // Earliest | Latest | RFC 3339
  int64_t max_lag = 1000;
  std::chrono::milliseconds stable_for = std::chrono::seconds(30);
  bool manual_promotion = false;
  std::chrono::milliseconds catch_up_deadline = std::chrono::hours(6);
  std::chrono::milliseconds retire_after = std::chrono::minutes(10);
  int keep_retired_tables = 1;
};

// spec.architecture: one stream layer replayed per change (Kappa), or
// generations of a batch run plus a speed layer served merged (Lambda).
enum class Architecture { Kappa, Lambda };

// spec.batch of a Lambda Pipeline: when a new generation's batch run starts
// (besides a template change and the kappa.dev/batch-now annotation).
struct BatchSpec {
  std::string schedule;  // cron in UTC as written; "" = none
  std::optional<CronSchedule> cron;  // the same, parsed once here
  std::optional<std::chrono::milliseconds> every;  // a new generation this long after the last one started
  int32_t backoff_limit = 3;                       // the batch Job's pod retries
  nlohmann::json resources;                        // the batch pod's; null = the processor template's
};

// A Pipeline's spec, read once per reconcile with the CRD's defaults filled
// in for fields an older object may lack. Throws std::invalid_argument
// naming the field for what admission could not catch (a bad duration or
// cron schedule, spec.batch on a Kappa Pipeline).
struct PipelineSpec {
  std::string name, ns, uid;
  int64_t generation = 0;
  std::string bootstrap_servers;
  std::string secret_name;  // "" = none
  std::string input_topic;
  // spec.input.keying: each record's Kafka key is its view key (the
  // processor's fast path), or any key or none (the processor repartitions
  // by view key through <group>-kappa-repartition first).
  bool input_keyed_by_view_key = true;
  nlohmann::json processor;  // the version template (replicas included)
  int32_t replicas = 1;
  int32_t output_partitions = 6;
  int16_t output_replication_factor = 1;
  std::string topic_prefix;  // "<namespace>." unless set
  std::map<std::string, std::string> output_config;
  std::string service_name;
  int32_t serving_port = 8080;
  RolloutSpec rollout;
  Architecture architecture = Architecture::Kappa;
  BatchSpec batch;  // Lambda only
  bool paused = false;
  // spec.podDisruptionBudget as written ({minAvailable} or {maxUnavailable});
  // null when the versions get no PodDisruptionBudget.
  nlohmann::json disruption_budget;

  static PipelineSpec parse(const nlohmann::json& pipeline);
};

// What identifies a version: everything that changes its output (processor
// template except replicas, and the output table's layout). Any other change
// (replicas, rollout settings) applies in place.
std::string template_hash(const nlohmann::json& processor, const PipelineSpec& spec);

// The replay start of a startFrom string; throws std::invalid_argument.
kafka::StartFrom parse_start_from(const std::string& text);
// The processor contract's KAPPA_START_FROM form: earliest, latest or epoch ms.
std::string start_from_env(const kafka::StartFrom& start);

}  // namespace kappa::api
