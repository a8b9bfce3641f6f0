#include "api/pipeline_spec.h"

#include <iomanip>
#include <sstream>
#include <stdexcept>

#include "api/duration.h"
#include "api/names.h"
#include "kube/time_format.h"

namespace kappa::api {

using nlohmann::json;

namespace {

// A duration, refused naming its field (e.g. spec.rollout.stableFor).
std::chrono::milliseconds duration_at(const json& value, const std::string& path) {
  try {
    return parse_duration(value.get<std::string>());
  } catch (const std::exception& e) {
    throw std::invalid_argument(path + ": " + e.what());
  }
}

std::chrono::milliseconds duration_field(const json& rollout, const char* field, std::chrono::milliseconds fallback) {
  if (!rollout.contains(field)) return fallback;
  return duration_at(rollout[field], std::string("spec.rollout.") + field);
}

Architecture architecture_field(const json& spec) {
  const std::string text = spec.value("architecture", "Kappa");
  if (text == "Kappa") return Architecture::Kappa;
  if (text == "Lambda") return Architecture::Lambda;
  throw std::invalid_argument("spec.architecture: \"" + text + "\" is neither Kappa nor Lambda");
}

// Parsed here, so a bad schedule is refused before any generation is
// planned on it, and the controllers use this parse.
CronSchedule schedule_field(const json& value, std::string& text) {
  try {
    text = value.get<std::string>();
    return CronSchedule::parse(text);
  } catch (const std::exception& e) {
    throw std::invalid_argument("spec.batch.schedule \"" + text + "\": " + e.what());
  }
}

// The CRD's rules refuse the same, but an installed CRD may be older than
// the operator (helm never upgrades CRDs), and a zero `every` would start
// generations back to back.
BatchSpec batch_field(const json& spec, Architecture architecture) {
  BatchSpec b;
  if (!spec.contains("batch")) return b;
  if (architecture != Architecture::Lambda) {
    throw std::invalid_argument("spec.batch is only for architecture: Lambda (this Pipeline is Kappa)");
  }
  const json& batch = spec["batch"];
  if (batch.contains("schedule") && batch.contains("every")) {
    throw std::invalid_argument("spec.batch: set at most one of schedule and every");
  }
  if (batch.contains("schedule")) b.cron = schedule_field(batch["schedule"], b.schedule);
  if (batch.contains("every")) {
    b.every = duration_at(batch["every"], "spec.batch.every");
    if (*b.every < std::chrono::minutes(1)) throw std::invalid_argument("spec.batch.every: at least 1m");
  }
  b.backoff_limit = batch.value("backoffLimit", b.backoff_limit);
  b.resources = batch.value("resources", json());
  return b;
}

// FNV-1a, 64 bit: a stable hash across builds and machines (std::hash is not).
uint64_t fnv1a(const std::string& text) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

}  // namespace

PipelineSpec PipelineSpec::parse(const json& pipeline) {
  PipelineSpec s;
  const auto& meta = pipeline.at("metadata");
  s.name = meta.value("name", "");
  s.ns = meta.value("namespace", "");
  s.uid = meta.value("uid", "");
  s.generation = meta.value("generation", int64_t{0});
  if (const auto problem = pipeline_name_problem(s.name)) throw std::invalid_argument("metadata.name " + *problem);
  const auto spec = pipeline.value("spec", json::object());
  const auto kafka = spec.value("kafka", json::object());
  s.bootstrap_servers = kafka.value("bootstrapServers", "");
  s.secret_name = kafka.value("secretRef", json::object()).value("name", "");
  s.input_topic = spec.value("input", json::object()).value("topic", "");
  s.input_keyed_by_view_key = spec.value("input", json::object()).value("keying", "ViewKey") != "Any";
  s.processor = spec.value("processor", json::object());
  s.replicas = s.processor.value("replicas", 1);
  const auto output = spec.value("output", json::object());
  s.output_partitions = output.value("partitions", 6);
  s.output_replication_factor = static_cast<int16_t>(output.value("replicationFactor", 1));
  s.topic_prefix = output.value("topicPrefix", s.ns + ".");
  if (const auto problem = topic_prefix_problem(s.topic_prefix, s.ns)) {
    throw std::invalid_argument("spec.output.topicPrefix \"" + s.topic_prefix + "\" " + *problem);
  }
  const json output_config = output.value("config", json::object());
  for (const auto& [k, v] : output_config.items()) {
    s.output_config[k] = v.is_string() ? v.get<std::string>() : v.dump();
  }
  const auto serving = spec.value("serving", json::object());
  s.service_name = serving.value("serviceName", s.name);
  s.serving_port = serving.value("port", 8080);
  const auto rollout = spec.value("rollout", json::object());
  s.rollout.start_from = rollout.value("startFrom", "Earliest");
  parse_start_from(s.rollout.start_from);  // reject early, naming the field
  s.rollout.max_lag = rollout.value("maxLag", int64_t{1000});
  s.rollout.stable_for = duration_field(rollout, "stableFor", s.rollout.stable_for);
  s.rollout.manual_promotion = rollout.value("promotion", "Automatic") == "Manual";
  s.rollout.catch_up_deadline = duration_field(rollout, "catchUpDeadline", s.rollout.catch_up_deadline);
  s.rollout.retire_after = duration_field(rollout, "retireAfter", s.rollout.retire_after);
  s.rollout.keep_retired_tables = rollout.value("keepRetiredTables", 1);
  s.architecture = architecture_field(spec);
  s.batch = batch_field(spec, s.architecture);
  s.paused = spec.value("paused", false);
  if (spec.contains("podDisruptionBudget")) s.disruption_budget = spec["podDisruptionBudget"];
  return s;
}

std::string template_hash(const json& processor, const PipelineSpec& spec) {
  json identity = processor;
  identity.erase("replicas");
  json key = {{"processor", identity},
              {"output", {{"partitions", spec.output_partitions},
                          {"replicationFactor", spec.output_replication_factor},
                          {"topicPrefix", spec.topic_prefix},
                          {"config", spec.output_config}}}};
  // Only when set: the versions of a Pipeline that never set it keep their hash.
  if (!spec.input_keyed_by_view_key) key["input"] = {{"keying", "Any"}};
  // nlohmann::json keeps object keys sorted, so dump() is canonical.
  std::ostringstream out;
  out << std::hex << std::setw(16) << std::setfill('0') << fnv1a(key.dump());
  return out.str().substr(0, 10);
}

kafka::StartFrom parse_start_from(const std::string& text) {
  if (text == "Earliest") return kafka::StartFrom::earliest();
  if (text == "Latest") return kafka::StartFrom::latest();
  const auto t = kube::parse_time(text);
  if (!t) throw std::invalid_argument("startFrom: not Earliest, Latest or an RFC 3339 time: \"" + text + "\"");
  return kafka::StartFrom::timestamp(
      std::chrono::duration_cast<std::chrono::milliseconds>(t->time_since_epoch()).count());
}

std::string start_from_env(const kafka::StartFrom& start) {
  switch (start.kind) {
    case kafka::StartFrom::Kind::Earliest: return "earliest";
    case kafka::StartFrom::Kind::Latest: return "latest";
    case kafka::StartFrom::Kind::Timestamp: break;
  }
  return std::to_string(start.timestamp_ms);
}

}  // namespace kappa::api
