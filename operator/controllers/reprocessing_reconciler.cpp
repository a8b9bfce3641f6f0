#include "controllers/reprocessing_reconciler.h"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "api/conditions.h"
#include "api/duration.h"
#include "api/names.h"
#include "api/status_names.h"
#include "controllers/api_refusal.h"
#include "controllers/kafka_stall_reason.h"
#include "controllers/crash_point.h"
#include "controllers/owned_kafka.h"
#include "controllers/reprocessing_metrics.h"
#include "controllers/serving_service.h"
#include "controllers/status_patch.h"
#include "controllers/version_cleanup.h"
#include "controllers/version_state.h"
#include "kafka/kafka_error.h"
#include "kafka/property_policy.h"
#include "kube/api_error.h"
#include "kube/time_format.h"

namespace kappa::controllers {

using nlohmann::json;
using kube::Result;

namespace {

bool topic_exists(kafka::KafkaAdmin& admin, const std::string& topic) {
  try {
    admin.partition_count(topic);
    return true;
  } catch (const kafka::KafkaError& e) {
    if (e.kind() != kafka::KafkaErrorKind::UnknownTopic) throw;
    return false;
  }
}

// A table and its changelog, as the version's entry in the Pipeline's
// record of Kafka names (with the version's groups).
OwnedKafka owned_pair(const VersionPlan& plan, const std::string& table) {
  return {plan.version, plan.reprocessing, plan.consumer_group, {table, api::state_topic(table)}, plan.batch_group};
}

}  // namespace

ReprocessingReconciler::ReprocessingReconciler(ControllerContext& context) : ctx_(context) {}

std::string ReprocessingReconciler::now() const { return kube::format_time(ctx_.wall_clock()); }

Result ReprocessingReconciler::reconcile(const std::string& key) {
  kube::ObjectPtr object = ctx_.caches.reprocessings.get(key);
  if (object && needs_version(*object)) object = read_fresh(key);
  if (!object) {
    ctx_.metrics->version_gone(key);
    ctx_.lag_poller->forget(key);
    return Result::done();
  }
  if (const auto wait = ctx_.terminating->hold(*object, ctx_.clock->now())) return Result::after(*wait);
  Attempt a;
  a.object = *object;
  a.status = object->value("status", json::object());
  if (!a.status.is_object()) a.status = json::object();
  a.ns = (*object)["metadata"].value("namespace", "");
  a.name = (*object)["metadata"].value("name", "");
  a.status["observedGeneration"] = a.object["metadata"].value("generation", int64_t{0});
  Result result;
  try {
    result = run(a);
  } catch (const kafka::KafkaError& e) {
    // Kafka is outside our control: say so in status and look again later.
    stalled(a, kafka_stall_reason(e), e.what());
    result = Result::after(ctx_.options.retry_interval);
  } catch (const kube::ApiError& e) {
    if (namespace_terminating(e)) {
      ctx_.terminating->refused(a.ns, ctx_.clock->now());
      return Result::done();  // its deletion brings this Reprocessing's
    }
    if (!is_refusal(e)) throw;
    stalled(a, api::reason::kInvalidSpec, refusal_message(e));
    result = Result::after(ctx_.options.retry_interval);
  }
  if (!is_deleting(a.object) || has_finalizer(a.object, api::kFinalizer)) {
    try {
      write_status(ctx_.client, api::kReprocessings, a.object, a.status);
    } catch (const kube::ApiError& e) {
      if (e.kind() != kube::ApiErrorKind::NotFound) throw;  // gone meanwhile: nothing to report on
    }
  }
  report_reprocessing_change(*ctx_.metrics, counted_, key, *object, a.status, a.deployment);
  return result;
}

// Before a version number is allocated, the object itself is read, not the
// cache: the cache may not have seen the number a pass recorded a moment
// ago, and allocating again would hand this Reprocessing a second one.
bool ReprocessingReconciler::needs_version(const json& object) {
  const json status = object.contains("status") && object["status"].is_object() ? object["status"] : json::object();
  return status.value("version", int64_t{0}) <= 0 && !is_terminal_phase(status.value("phase", "")) &&
         !is_deleting(object);
}

kube::ObjectPtr ReprocessingReconciler::read_fresh(const std::string& key) {
  const auto slash = key.find('/');
  try {
    return std::make_shared<const json>(ctx_.client.get(api::kReprocessings, key.substr(0, slash), key.substr(slash + 1)));
  } catch (const kube::ApiError& e) {
    if (e.kind() != kube::ApiErrorKind::NotFound) throw;
    return nullptr;
  }
}

Result ReprocessingReconciler::run(Attempt& a) {
  const json spec = a.object.value("spec", json::object());
  const std::string pipeline_name = spec.value("pipelineRef", json::object()).value("name", "");
  if (const auto pipeline = ctx_.caches.pipelines.get(a.ns + "/" + pipeline_name)) a.pipeline = *pipeline;
  if (a.pipeline) {
    try {
      a.spec = api::PipelineSpec::parse(*a.pipeline);
    } catch (const std::invalid_argument& e) {
      if (!is_deleting(a.object)) {
        stalled(a, api::reason::kInvalidPipelineSpec, e.what());
        return Result::after(ctx_.options.retry_interval);
      }
    }
  }
  if (is_deleting(a.object)) return finalize(a);
  a.object = add_finalizer(ctx_.client, api::kReprocessings, a.object, api::kFinalizer);
  const std::string phase = a.status.value("phase", "");
  if (is_terminal_phase(phase)) return Result::done();
  if (a.status.value("startedAt", "").empty()) a.status["startedAt"] = now();
  if (phase.empty()) set_phase(a, api::phase::kPending);
  if (!a.pipeline || !a.spec) {
    stalled(a, api::reason::kPipelineNotFound, "Pipeline " + pipeline_name + " does not exist in namespace " + a.ns);
    return Result::after(ctx_.options.retry_interval);
  }
  try {
    a.kafka = ctx_.kafka.access(*a.spec);
  } catch (const kube::ApiError& e) {
    if (e.kind() != kube::ApiErrorKind::NotFound) throw;
    stalled(a, api::reason::kKafkaSecretMissing, "secret " + a.spec->secret_name + " (spec.kafka.secretRef) not found");
    return Result::after(ctx_.options.retry_interval);
  } catch (const kafka::PropertyRefused& e) {
    stalled(a, api::reason::kInvalidSpec, "secret " + a.spec->secret_name + " (spec.kafka.secretRef): " + e.what());
    return Result::after(ctx_.options.retry_interval);  // Secrets are not watched: look again
  }
  if (spec.value("abort", false)) return abort(a);
  ensure_version(a);
  if (const auto serving = serving_version(a); serving && *serving == a.plan.version) return complete(a);
  if (auto stop = provision(a)) return *stop;
  return measure_and_gate(a);
}

std::optional<int64_t> ReprocessingReconciler::serving_version(const Attempt& a) {
  if (!a.spec) return std::nullopt;
  const auto service = ctx_.caches.services.get(a.ns + "/" + a.spec->service_name);
  if (!service || !api::is_controlled_by(*service, *a.pipeline)) return std::nullopt;
  return selected_version(*service);
}

// The version number is written to our status before anything of the
// version exists, and the Pipeline's nextVersion counter moves first under
// a resourceVersion precondition, noting which Reprocessing took the number:
// a crash in between hands the same number to the same Reprocessing again,
// never to another one.
void ReprocessingReconciler::ensure_version(Attempt& a) {
  int64_t version = a.status.value("version", int64_t{0});
  if (version <= 0) {
    for (const auto& d : ctx_.caches.deployments.by_label(api::kLabelReprocessing, a.name, a.ns)) {
      if (const auto v = api::version_label(*d); v && (*d)["metadata"]["labels"].value(api::kLabelPipeline, "") == a.spec->name) {
        version = *v;  // we created it, then lost the status write
      }
    }
  }
  const bool allocating = version <= 0;
  if (allocating) version = allocate_version(a);
  if (a.status.value("version", int64_t{0}) != version) {
    const int64_t recorded = record_version(a, version);
    a.new_version = allocating && recorded == version;  // not when another pass recorded one meanwhile
    version = recorded;
  }
  a.plan = plan_for(a, version);
  if (!a.object["metadata"].value("labels", json::object()).contains(api::kLabelVersion)) {
    // Our copy takes the new resourceVersion: a guarded status write later
    // in this pass (a Lambda snapshot) must not conflict with our own patch.
    a.object["metadata"] =
        ctx_.client
            .patch(api::kReprocessings, a.ns, a.name, kube::PatchType::Merge,
                   {{"metadata", {{"labels", {{api::kLabelPipeline, a.spec->name},
                                              {api::kLabelVersion, std::to_string(version)},
                                              {api::kLabelTemplateHash, a.plan.template_hash}}}}}},
                   {})
            .at("metadata");
  }
}

VersionPlan ReprocessingReconciler::plan_for(const Attempt& a, int64_t version) const {
  const json spec = a.object.value("spec", json::object());
  const json processor = spec.contains("processor") ? spec["processor"] : a.spec->processor;
  const std::string start_text = spec.value("startFrom", a.spec->rollout.start_from);
  VersionPlan plan = plan_version(*a.spec, version, a.name, processor, api::parse_start_from(start_text));
  if (plan.lambda() && a.status.contains("snapshot")) plan.snapshot = a.status["snapshot"];
  return plan;
}

// Puts `version` on our status before anything of it exists, guarded by the
// resourceVersion we read: on a conflict the object is read again, and a
// number another pass recorded meanwhile wins (ours is skipped, never
// reused). Returns the version on record.
int64_t ReprocessingReconciler::record_version(Attempt& a, int64_t version) {
  for (int attempt = 0;; ++attempt) {
    const auto plan = plan_for(a, version);
    json status = a.status;
    status["version"] = version;
    status["templateHash"] = plan.template_hash;
    status["deployment"] = plan.deployment;
    status["consumerGroup"] = plan.consumer_group;
    status["outputTopic"] = plan.output_topic;
    if (plan.lambda()) {
      status["batchJob"] = plan.batch_job;
      status["batchConsumerGroup"] = plan.batch_group;
      status["batchTable"] = plan.batch_table;
    }
    try {
      if (auto written = write_status(ctx_.client, api::kReprocessings, a.object, status, StatusWrite::Guarded)) {
        a.object = std::move(*written);
      }
      a.status = std::move(status);
      a.object["status"] = a.status;
      return version;
    } catch (const kube::ApiError& e) {
      if (e.kind() != kube::ApiErrorKind::Conflict || attempt >= 5) throw;
    }
    const json fresh = ctx_.client.get(api::kReprocessings, a.ns, a.name);
    a.object["metadata"] = fresh["metadata"];
    a.object["status"] = fresh.value("status", json::object());
    const int64_t recorded = a.object["status"].is_object() ? a.object["status"].value("version", int64_t{0}) : 0;
    if (recorded > 0) {
      spdlog::warn("reprocessing {}/{}: v{} was recorded meanwhile; v{} is skipped", a.ns, a.name, recorded, version);
      version = recorded;
      for (const char* field : {"version", "templateHash", "deployment", "consumerGroup", "outputTopic", "batchJob",
                                "batchConsumerGroup", "batchTable"}) {
        if (a.object["status"].contains(field)) a.status[field] = a.object["status"][field];
      }
      return version;
    }
  }
}

// The highest version number anything of this Pipeline still carries (its
// Deployments, Reprocessings and consumer groups), so that even a counter
// lost with its status is never behind. Topics are left to first_free.
int64_t ReprocessingReconciler::highest_version_in_use(Attempt& a) {
  int64_t highest = 0;
  for (const auto& d : ctx_.caches.deployments.by_label(api::kLabelPipeline, a.spec->name, a.ns)) {
    highest = std::max(highest, api::version_label(*d).value_or(0));
  }
  for (const auto& r : ctx_.caches.reprocessings.by_label(api::kLabelPipeline, a.spec->name, a.ns)) {
    const auto status = r->find("status");
    if (status != r->end() && status->is_object()) highest = std::max(highest, status->value("version", int64_t{0}));
  }
  for (const auto& g : a.kafka.admin->list_groups(api::group_prefix(a.ns, a.spec->name))) {
    highest = std::max(highest, api::version_of_group(g, a.ns, a.spec->name).value_or(0));
  }
  return highest;
}

// `candidate` if no table of it exists in Kafka, else the first number past
// every table of this Pipeline. A cluster holds the tables of every version
// of every Pipeline, so the candidate's two are asked for by name, and the
// whole listing is read only when one of them exists (left from an earlier
// life of the Pipeline, say), at most once per allocation.
int64_t ReprocessingReconciler::first_free(Attempt& a, int64_t candidate, TopicScan& scan) {
  const std::string table = api::output_topic(a.spec->topic_prefix, a.spec->name, candidate);
  if (!scan.listed && !topic_exists(*a.kafka.admin, table) && !topic_exists(*a.kafka.admin, api::state_topic(table))) {
    return candidate;
  }
  if (!scan.listed) {
    for (const auto& t : a.kafka.admin->list_topics(a.spec->topic_prefix + a.spec->name + ".")) {
      scan.highest = std::max(scan.highest, api::version_of_topic(t, a.spec->topic_prefix, a.spec->name).value_or(0));
    }
    scan.listed = true;
  }
  return std::max(candidate, scan.highest + 1);
}

int64_t ReprocessingReconciler::allocate_version(Attempt& a) {
  const int64_t highest = highest_version_in_use(a);
  TopicScan scan;
  // The counter moves together with a note of whom the number went to: if
  // we die before our status records it, the next pass (any leader) finds
  // the note still naming this Reprocessing and takes the same number.
  const json claimant = {{"reprocessing", a.name}, {"uid", a.object["metadata"].value("uid", "")}};
  int64_t next = 0;
  // Read fresh, not from the cache: the Pipeline reconcile that made this
  // Reprocessing writes the Pipeline's status a moment later, so a cached
  // copy would mostly cost a Conflict and a read anyway. The written
  // object becomes ours, so the later check of the record sees it.
  json pipeline = ctx_.client.get(api::kPipelines, a.ns, a.spec->name);
  edit_status_guarded(ctx_.client, api::kPipelines, pipeline, [&](json& status) {
    const json last = status.value(api::status_field::kLastAllocation, json::object());
    const int64_t noted = last.is_object() ? last.value("version", int64_t{0}) : 0;
    if (noted > highest && last.value("reprocessing", "") == claimant["reprocessing"] &&
        last.value("uid", "") == claimant["uid"]) {
      next = noted;
      return false;
    }
    next = first_free(a, std::max(status.value(api::status_field::kNextVersion, int64_t{1}), highest + 1), scan);
    status[api::status_field::kNextVersion] = next + 1;
    status[api::status_field::kLastAllocation] = claimant;
    status[api::status_field::kLastAllocation]["version"] = next;
    // The version's group and table go on the record in the same write
    // (invariant 9 needs them there before they exist; earlier is as good,
    // and one write less).
    const VersionPlan plan = plan_for(a, next);
    add_owned_kafka(status, owned_pair(plan, plan.output_topic));
    return true;
  });
  a.pipeline = std::move(pipeline);
  crash_point("after-version-allocated");
  spdlog::info("reprocessing {}/{}: allocated version {} of pipeline {}", a.ns, a.name, next, a.spec->name);
  return next;
}

// Provisioning, step by step: adopt a Deployment an earlier pass made, or
// check the input can be replayed, make the tables, then the Deployment.
std::optional<Result> ReprocessingReconciler::provision(Attempt& a) {
  find_deployment(a);
  if (a.deployment) return adopt_deployment(a);
  if (a.spec->paused) {
    set_condition(a, api::condition::kStalled, false, api::reason::kPaused,
                  "the Pipeline is paused; the version is not started");
    return Result::after(ctx_.options.retry_interval);
  }
  int32_t input_partitions = 0;
  if (a.plan.lambda() && a.plan.snapshot.is_object()) {
    input_partitions = static_cast<int32_t>(a.plan.snapshot.size());  // checked when it was taken
  } else if (auto stop = preflight(a, input_partitions)) {
    return stop;
  }
  if (a.plan.lambda()) {
    if (auto stop = run_batch(a, input_partitions)) return stop;
  }
  const json deployment = build_version_deployment(*a.spec, *a.pipeline, a.plan, a.kafka.secret_keys);
  admit_deployment(a, deployment);
  if (auto stop = create_tables(a, a.plan.output_topic, a.plan.consumer_group, input_partitions)) return stop;
  return create_deployment(a, deployment);
}

void ReprocessingReconciler::find_deployment(Attempt& a) {
  if (const auto cached = ctx_.caches.deployments.get(a.ns + "/" + a.plan.deployment)) a.deployment = *cached;
  if (a.deployment || a.new_version) return;
  try {  // a pass may have made it a moment ago
    a.deployment = ctx_.client.get(kube::resources::kDeployments, a.ns, a.plan.deployment);
  } catch (const kube::ApiError& e) {
    if (e.kind() != kube::ApiErrorKind::NotFound) throw;
  }
}

// The version's Deployment exists: it must be ours; a replicas-only change
// of the Pipeline applies to it in place.
std::optional<Result> ReprocessingReconciler::adopt_deployment(Attempt& a) {
  const auto labels = (*a.deployment)["metadata"].value("labels", json::object());
  if (labels.value(api::kLabelReprocessing, "") != a.name || !api::is_controlled_by(*a.deployment, *a.pipeline)) {
    stalled(a, api::reason::kDeploymentConflict,
            "Deployment " + a.plan.deployment + " exists and does not belong to this reprocessing");
    return Result::after(ctx_.options.retry_interval);
  }
  if ((*a.deployment)["spec"].value("replicas", 1) != a.spec->replicas) {
    ctx_.client.patch(kube::resources::kDeployments, a.ns, a.plan.deployment, kube::PatchType::Merge,
                      {{"spec", {{"replicas", a.spec->replicas}}}}, {});
  }
  return std::nullopt;
}

// The input topic exists and still holds everything the replay needs
// (else the Reprocessing fails: it could never produce a correct table).
std::optional<Result> ReprocessingReconciler::preflight(Attempt& a, int32_t& input_partitions) {
  auto& admin = *a.kafka.admin;
  try {
    input_partitions = admin.partition_count(a.spec->input_topic);
  } catch (const kafka::KafkaError& e) {
    if (e.kind() != kafka::KafkaErrorKind::UnknownTopic) throw;
    stalled(a, api::reason::kInputTopicMissing, "input topic " + a.spec->input_topic + " does not exist");
    return Result::after(ctx_.options.retry_interval);
  }
  const auto preflight = admin.retention_preflight(a.spec->input_topic, a.plan.start_from);
  if (!preflight.sufficient) {
    set_phase(a, api::phase::kFailed);
    stalled(a, api::reason::kRetentionInsufficient, preflight.message);
    set_condition(a, api::condition::kSucceeded, false, api::reason::kRetentionInsufficient, preflight.message);
    a.status["completedAt"] = now();
    event(a, true, "RetentionInsufficient", preflight.message);
    return Result::done();
  }
  const auto start = admin.start_offsets(a.spec->input_topic, a.plan.start_from);
  a.plan.start_offsets = offsets_json(start);
  if (!a.status.contains("startLag")) a.status["startLag"] = sum_lag(admin.end_offsets(a.spec->input_topic), start);
  set_phase(a, api::phase::kProvisioning);
  return std::nullopt;
}

// A table (compacted) and its processor's state changelog, one partition
// per input partition, and with spec.input.keying Any the group's
// repartition topic: the version's, or a Lambda generation's batch run's.
// One request for all; creating an existing one is success.
std::optional<Result> ReprocessingReconciler::create_tables(Attempt& a, const std::string& table_name,
                                                            const std::string& group, int32_t input_partitions) {
  const int16_t replication = a.spec->output_replication_factor;
  kafka::TopicSpec table{table_name, a.spec->output_partitions, replication, a.spec->output_config};
  table.configs.emplace("cleanup.policy", "compact");
  std::vector<kafka::TopicSpec> topics{
      table, {api::state_topic(table_name), input_partitions, replication, {{"cleanup.policy", "compact"}}}};
  // The repartition topic exists before the processor (so lag counts it
  // from the first pass) and goes with the group (delete_owned_group). No
  // time-based retention: routed records keep their input timestamps, which
  // may be old; the processor deletes what its folding stage has committed.
  if (!a.spec->input_keyed_by_view_key) {
    topics.push_back({api::repartition_topic(group), input_partitions, replication,
                      {{"cleanup.policy", "delete"}, {"retention.ms", "-1"}}});
  }
  // docs/design.md, invariant 9: on the Pipeline's record before they exist
  // (with both groups of a Lambda generation).
  record_owned_kafka(ctx_.client, *a.pipeline, owned_pair(a.plan, table_name));
  try {
    a.kafka.admin->create_topics(topics);
  } catch (const kafka::KafkaError& e) {
    if (e.kind() != kafka::KafkaErrorKind::TopicConflict) throw;
    stalled(a, api::reason::kTopicConflict, e.what());
    return Result::after(ctx_.options.retry_interval);
  }
  return std::nullopt;
}

// The API server judges the Deployment (schema, admission webhooks) before
// any table exists: a template it refuses makes nothing in Kafka. A refusal
// throws, and the reconcile reports it as Stalled/InvalidSpec (api_refusal.h).
void ReprocessingReconciler::admit_deployment(const Attempt& a, const json& deployment) {
  kube::CreateOptions dry_run;
  dry_run.dry_run = true;
  try {
    ctx_.client.create(kube::resources::kDeployments, a.ns, deployment, dry_run);
  } catch (const kube::ApiError& e) {
    if (e.kind() != kube::ApiErrorKind::AlreadyExists) throw;
  }
}

std::optional<Result> ReprocessingReconciler::create_deployment(Attempt& a, const json& deployment) {
  try {
    a.deployment = ctx_.client.create(kube::resources::kDeployments, a.ns, deployment);
  } catch (const kube::ApiError& e) {
    if (e.kind() != kube::ApiErrorKind::AlreadyExists) throw;
    return Result::after(std::chrono::seconds(1));  // look at it on the next pass
  }
  crash_point("after-deployment-create");
  event(a, false, "VersionCreated",
        "v" + std::to_string(a.plan.version) + ": Deployment " + a.plan.deployment + ", group " +
            a.plan.consumer_group + ", table " + a.plan.output_topic + ", replaying " +
            std::to_string(a.status.value("startLag", int64_t{0})) + " records from " +
            api::start_from_env(a.plan.start_from));
  set_phase(a, api::phase::kCatchingUp);  // VersionCreated says it replays: no second Event
  return std::nullopt;
}

// The gate, step by step: measure the lag, judge whether the version is
// stuck, hold it until lag <= maxLag with every replica Ready for stableFor,
// wait for a promotion if one is asked for, then switch.
Result ReprocessingReconciler::measure_and_gate(Attempt& a) {
  const auto lag = measure_lag(a);
  if (!lag) return Result::after(ctx_.options.lag_poll_interval);
  const Gate gate = judge_gate(a, lag->lag);
  report_stall(a, *lag, gate);
  if (!gate.caught_up) return keep_catching_up(a, lag->lag, gate);
  record_caught_up(a, gate);
  if (auto wait = await_promotion(a)) return *wait;
  // The switch rests on a reading just taken: the one the last round woke
  // this reconcile with, not one read again later for another reason.
  if (!lag->fresh) return Result::after(ctx_.options.lag_poll_interval);
  // On record before the switch: whoever sees the Service select this
  // version can already read CaughtUp=True.
  write_status(ctx_.client, api::kReprocessings, a.object, a.status);
  a.object["status"] = a.status;
  return switch_service(a);
}

// The version group's lag on the input; for a repartitioning version also on
// its repartition topic (the folding stage reads it from its start): caught
// up only when both stages are.
kafka::LagQuery ReprocessingReconciler::lag_query(const Attempt& a) const {
  kafka::LagQuery query{a.plan.consumer_group, {{a.spec->input_topic, start_offsets_of(*a.deployment)}}};
  if (!a.spec->input_keyed_by_view_key) query.topics.push_back({api::repartition_topic(a.plan.consumer_group), {}});
  return query;
}

// The version's latest lag reading from the batched poller; a fresh one is
// written to status and metrics, and counts towards progress and stalls.
// Nothing before the poller's first round has measured the version.
std::optional<ReprocessingReconciler::LagReading> ReprocessingReconciler::measure_lag(Attempt& a) {
  const auto reading = ctx_.lag_poller->read(a.ns + "/" + a.name, a.kafka.admin, lag_query(a));
  if (!reading) return std::nullopt;  // the next round measures it and wakes us
  if (reading->lag.error) {
    stalled(a, api::reason::kLagUnavailable, *reading->lag.error);
    return std::nullopt;
  }
  const int64_t lag = reading->lag.total;
  if (!reading->fresh) {
    // Nothing new since the last reconcile: judge on the same reading and
    // keep the stall verdict it gave.
    const auto stall = api::find_condition(a.status.value("conditions", json::array()), api::condition::kStalled);
    return LagReading{lag, stall && stall->value("reason", "") == api::reason::kLagNotShrinking, false};
  }
  int64_t end_total = 0;
  for (const auto& p : reading->lag.partitions) end_total += p.end;
  const auto progress = tracker(a.object["metadata"].value("uid", "")).observe(lag, end_total);
  const int64_t start_lag = a.status.value("startLag", progress.start_lag);
  const int percent =
      start_lag <= 0 ? 100 : static_cast<int>(std::clamp<int64_t>((start_lag - lag) * 100 / start_lag, 0, 100));
  a.status["startLag"] = start_lag;
  a.status["lag"] = lag;
  a.status["progressPercent"] = percent;
  a.status["recordsPerSecond"] = progress.records_per_second;
  if (progress.eta_seconds) {
    a.status["etaSeconds"] = *progress.eta_seconds;
  } else {
    a.status.erase("etaSeconds");
  }
  ctx_.metrics->version_progress(a.ns + "/" + a.name, {a.ns, a.spec->name, a.plan.version},
                                 {lag, percent, progress.records_per_second, progress.eta_seconds});
  return LagReading{lag, progress.stalled, true};
}

// Within maxLag with every replica Ready, since when, and for long enough?
ReprocessingReconciler::Gate ReprocessingReconciler::judge_gate(Attempt& a, int64_t lag) {
  const auto& rollout = a.spec->rollout;
  Gate g;
  g.ready = all_replicas_ready(*a.deployment);
  g.within = lag <= rollout.max_lag && g.ready;
  if (g.within && !a.status.contains("stableSince")) a.status["stableSince"] = now();
  if (!g.within) a.status.erase("stableSince");
  const auto since = g.within ? kube::parse_time(a.status["stableSince"].get<std::string>()) : std::nullopt;
  if (since) g.stable_for = ctx_.wall_clock() - *since;
  g.caught_up = g.within && g.stable_for >= rollout.stable_for;
  g.lag_text = "lag " + std::to_string(lag) + " (maxLag " + std::to_string(rollout.max_lag) + "), " +
               std::to_string(ready_replicas(*a.deployment)) + "/" + std::to_string(a.spec->replicas) +
               " replicas ready";
  return g;
}

// Stalled says why the version cannot get there by itself: its pods, the
// catch-up deadline, or a lag that stopped shrinking.
void ReprocessingReconciler::report_stall(Attempt& a, const LagReading& lag, const Gate& gate) {
  const auto& rollout = a.spec->rollout;
  const auto seconds = [](auto d) { return api::format_duration(std::chrono::duration_cast<std::chrono::seconds>(d)); };
  const auto started = kube::parse_time(a.status.value("startedAt", ""));
  if (const auto refused = replica_failure(*a.deployment)) {
    stalled(a, refused->reason, refused->message);
  } else if (const auto trouble = pod_trouble(own_pods(a))) {
    stalled(a, trouble->reason, trouble->message);
  } else if (!gate.caught_up && started && ctx_.wall_clock() - *started > rollout.catch_up_deadline) {
    stalled(a, api::reason::kCatchUpDeadlineExceeded,
            "not caught up within catchUpDeadline " + seconds(rollout.catch_up_deadline) + ": " + gate.lag_text);
  } else if (lag.not_shrinking && lag.lag > rollout.max_lag) {
    stalled(a, api::reason::kLagNotShrinking,
            "no progress for " + seconds(ctx_.options.stall_window) + ": " + gate.lag_text);
  } else {
    set_condition(a, api::condition::kStalled, false, api::reason::kProgressing, gate.lag_text);
  }
}

std::vector<json> ReprocessingReconciler::own_pods(const Attempt& a) const {
  std::vector<json> out;
  // By pipeline, then version: every Pipeline has a v1, so the version
  // label alone would scan the whole namespace's pods.
  for (const auto& p : ctx_.caches.pods.by_label(api::kLabelPipeline, a.spec->name, a.ns)) {
    if ((*p)["metadata"]["labels"].value(api::kLabelVersion, "") == std::to_string(a.plan.version)) out.push_back(*p);
  }
  return out;
}

// Not there yet: say how far, and look again at the next poll (or when
// stableFor will have passed, if sooner).
Result ReprocessingReconciler::keep_catching_up(Attempt& a, int64_t lag, const Gate& gate) {
  const bool was_caught_up =
      api::condition_is_true(a.status.value("conditions", json::array()), api::condition::kCaughtUp);
  const char* why = gate.within ? api::reason::kStabilizing
                                : (gate.ready ? api::reason::kCatchingUp : api::reason::kReplicasNotReady);
  // No running clock in the message: a pass that learns nothing new writes
  // no status (a thousand versions stabilising at once wrote one each per
  // lag round).
  const auto stable_for = std::chrono::duration_cast<std::chrono::seconds>(a.spec->rollout.stable_for);
  set_condition(a, api::condition::kCaughtUp, false, why,
                gate.lag_text + (gate.within ? ", within maxLag since " + a.status.value("stableSince", "") +
                                                   " (stableFor " + api::format_duration(stable_for) + ")"
                                             : ""));
  if (was_caught_up) {
    event(a, true, "FellBehind", "v" + std::to_string(a.plan.version) + " fell behind: " + gate.lag_text);
  }
  set_phase(a, api::phase::kCatchingUp);
  if (lag > 0) crash_point("during-catch-up");
  // The lag poller's next round wakes this version; the requeue is only a
  // fallback (or the moment stableFor will have passed, if sooner).
  auto wait = ctx_.options.lag_poll_interval * 3;
  if (gate.within) {
    const auto remaining =
        std::chrono::duration_cast<std::chrono::milliseconds>(a.spec->rollout.stable_for - gate.stable_for);
    wait = std::clamp(remaining, std::chrono::milliseconds(100), wait);
  }
  return Result::after(wait);
}

void ReprocessingReconciler::record_caught_up(Attempt& a, const Gate& gate) {
  if (!api::condition_is_true(a.status.value("conditions", json::array()), api::condition::kCaughtUp)) {
    event(a, false, "CaughtUp", "v" + std::to_string(a.plan.version) + " caught up: " + gate.lag_text);
  }
  set_condition(a, api::condition::kCaughtUp, true, api::reason::kLagWithinMaxLag,
                gate.lag_text + " for " +
                    api::format_duration(std::chrono::duration_cast<std::chrono::seconds>(gate.stable_for)));
  if (!a.status.contains("caughtUpAt")) a.status["caughtUpAt"] = now();
}

// Caught up, but a human promotes it (Manual) or the Pipeline is paused.
std::optional<Result> ReprocessingReconciler::await_promotion(Attempt& a) {
  const json spec = a.object.value("spec", json::object());
  const bool manual =
      spec.contains("promotion") ? spec.value("promotion", "") == "Manual" : a.spec->rollout.manual_promotion;
  if (!(manual && !spec.value("promote", false)) && !a.spec->paused) return std::nullopt;
  if (a.status.value("phase", "") != api::phase::kPromotable) {
    event(a, false, "Promotable",
          "v" + std::to_string(a.plan.version) +
              (a.spec->paused ? " is caught up; the Pipeline is paused"
                              : " is caught up and waits for promotion (kubectl kappa promote)"));
  }
  set_phase(a, api::phase::kPromotable);
  set_condition(a, api::condition::kPromoted, false,
                a.spec->paused ? api::reason::kPaused : api::reason::kAwaitingPromotion,
                a.spec->paused ? "the Pipeline is paused" : "set spec.promote=true to switch serving to this version");
  return Result::after(ctx_.options.lag_poll_interval);
}

// docs/design.md, invariants 1 and 2: the one write that makes this version active, made
// only right after a fresh lag measurement said caught up, guarded by the
// Service's resourceVersion.
Result ReprocessingReconciler::switch_service(Attempt& a) {
  const std::string version = std::to_string(a.plan.version);
  const auto fresh = ctx_.client.get(kube::resources::kDeployments, a.ns, a.plan.deployment);
  if (!all_replicas_ready(fresh)) return Result::after(ctx_.options.lag_poll_interval);

  const auto service = read_serving_service(ctx_.client, a.ns, a.spec->service_name);
  if (service && !api::is_controlled_by(*service, *a.pipeline)) {
    stalled(a, api::reason::kServiceNotOwned,
            "Service " + a.spec->service_name + " exists and is not owned by Pipeline " + a.spec->name);
    return Result::after(ctx_.options.retry_interval);
  }
  const auto previous = service ? selected_version(*service) : std::nullopt;
  crash_point("before-service-write");
  if (service) {
    switch_serving_service(ctx_.client, *service, a.spec->name, a.plan.version, now());
  } else {
    create_serving_service(ctx_.client, *a.spec, *a.pipeline, a.plan.version, now());
  }
  crash_point("after-service-write");
  ctx_.metrics->switched(a.ns, a.spec->name);
  const std::string from = previous ? "v" + std::to_string(*previous) : std::string("nothing");
  spdlog::info("pipeline {}/{}: Service {} switched from {} to v{}", a.ns, a.spec->name, a.spec->service_name, from,
               a.plan.version);
  event(a, false, "Switched",
        "Service " + a.spec->service_name + " switched from " + from + " to v" + version + ": v" + version + " is active");
  if (a.plan.lambda()) {
    event(a, false, "GenerationSwitched",
          "generation " + version + " (batch up to snapshot " + a.plan.snapshot.dump() +
              ", speed layer after it) serves" + (previous ? " instead of " + from : std::string()));
  }
  set_phase(a, api::phase::kPromoted);
  a.status["promotedAt"] = now();
  set_condition(a, api::condition::kPromoted, true, api::reason::kSwitched,
                "Service " + a.spec->service_name + " selects v" + version);
  return complete(a);  // Switched said it all: no second Event
}

Result ReprocessingReconciler::complete(Attempt& a) {
  if (!a.status.contains("promotedAt")) a.status["promotedAt"] = now();
  set_condition(a, api::condition::kPromoted, true, api::reason::kSwitched,
                "Service " + a.spec->service_name + " selects v" + std::to_string(a.plan.version));
  set_condition(a, api::condition::kStalled, false, api::reason::kSucceeded,
                "v" + std::to_string(a.plan.version) + " is active");
  set_condition(a, api::condition::kSucceeded, true, api::reason::kPromoted,
                "v" + std::to_string(a.plan.version) + " serves; the previous version stays warm until retireAfter");
  if (!api::condition_is_true(a.status.value("conditions", json::array()), api::condition::kCaughtUp)) {
    set_condition(a, api::condition::kCaughtUp, true, api::reason::kLagWithinMaxLag, "caught up when promoted");
  }
  set_phase(a, api::phase::kSucceeded);
  a.status["completedAt"] = now();
  a.status.erase("etaSeconds");
  forget_progress(a);
  return Result::done();
}

bool ReprocessingReconciler::remove_candidate(Attempt& a) {
  const int64_t version = a.status.value("version", int64_t{0});
  if (version <= 0) return true;  // nothing was made
  if (!a.spec) {
    spdlog::warn("reprocessing {}/{}: its Pipeline is gone; cannot reach Kafka to delete group {} and topic {}", a.ns,
                 a.name, a.status.value("consumerGroup", ""), a.status.value("outputTopic", ""));
    return true;
  }
  if (!a.kafka.admin) a.kafka = ctx_.kafka.access(*a.spec);
  const VersionParts parts{a.ns,
                           a.spec->name,
                           version,
                           a.status.value("deployment", api::deployment_name(a.spec->name, version)),
                           a.status.value("consumerGroup", api::consumer_group(a.ns, a.spec->name, version)),
                           a.status.value("outputTopic", api::output_topic(a.spec->topic_prefix, a.spec->name, version)),
                           a.status.value("batchJob", ""),
                           a.status.value("batchConsumerGroup", ""),
                           a.status.value("batchTable", "")};
  if (delete_version(ctx_.client, *a.kafka.admin, parts, /*delete_tables=*/true) != CleanupStep::Done) return false;
  try {
    forget_owned_kafka(ctx_.client, a.ns, a.spec->name, version, Forget::All);
  } catch (const kube::ApiError& e) {
    if (e.kind() != kube::ApiErrorKind::NotFound) throw;  // the Pipeline is going too
  }
  return true;
}

Result ReprocessingReconciler::finalize(Attempt& a) {
  if (!has_finalizer(a.object, api::kFinalizer)) return Result::done();
  const int64_t version = a.status.value("version", int64_t{0});
  const auto serving = serving_version(a);
  const bool promoted = a.status.value("phase", "") == api::phase::kSucceeded || (serving && *serving == version);
  // A promoted version belongs to the Pipeline now; only a candidate goes.
  if (!promoted && !remove_candidate(a)) return Result::after(std::chrono::seconds(2));
  forget_progress(a);
  a.object = remove_finalizer(ctx_.client, api::kReprocessings, a.object, api::kFinalizer);
  return Result::done();
}

Result ReprocessingReconciler::abort(Attempt& a) {
  const int64_t version = a.status.value("version", int64_t{0});
  if (const auto serving = serving_version(a); serving && version > 0 && *serving == version) {
    event(a, true, "AbortIgnored", "v" + std::to_string(version) + " already serves; use rollback instead");
    a.plan.version = version;
    return complete(a);
  }
  if (!remove_candidate(a)) {
    set_condition(a, api::condition::kStalled, false, api::reason::kAborting,
                  "removing the candidate's Deployment, group and tables");
    return Result::after(std::chrono::seconds(2));
  }
  set_phase(a, api::phase::kAborted);
  set_condition(a, api::condition::kStalled, false, api::reason::kAborted, "aborted; serving untouched");
  set_condition(a, api::condition::kSucceeded, false, api::reason::kAborted, "aborted by spec.abort");
  a.status.erase("stableSince");
  a.status.erase("etaSeconds");
  a.status["completedAt"] = now();
  event(a, false, "Aborted",
        version > 0 ? "v" + std::to_string(version) + " aborted: its Deployment, group and tables are removed"
                    : "aborted before a version was made");
  forget_progress(a);
  return Result::done();
}

void ReprocessingReconciler::set_phase(Attempt& a, const std::string& phase) {
  a.status["phase"] = phase;
  if (is_terminal_phase(phase)) ctx_.lag_poller->forget(a.ns + "/" + a.name);  // it reads no lag any more
}

void ReprocessingReconciler::set_condition(Attempt& a, const std::string& type, bool value, const std::string& reason,
                                           const std::string& message) {
  api::set_condition(a.status["conditions"], {type, value ? "True" : "False", reason, message},
                     a.object["metadata"].value("generation", int64_t{0}), now());
}

void ReprocessingReconciler::stalled(Attempt& a, const std::string& reason, const std::string& message) {
  const bool already = api::condition_is_true(a.status.value("conditions", json::array()), api::condition::kStalled);
  const auto previous = api::find_condition(a.status.value("conditions", json::array()), api::condition::kStalled);
  set_condition(a, api::condition::kStalled, true, reason, message);
  if (!already || (previous && previous->value("reason", "") != reason)) event(a, true, "Stalled", reason + ": " + message);
}

void ReprocessingReconciler::event(const Attempt& a, bool warning, const std::string& reason, const std::string& note) {
  ctx_.event(a.object, warning, reason, note);
}

kafka::ProgressTracker& ReprocessingReconciler::tracker(const std::string& uid) {
  std::lock_guard lock(trackers_mutex_);
  auto it = trackers_.find(uid);
  if (it == trackers_.end()) {
    it = trackers_.emplace(uid, kafka::ProgressTracker(ctx_.clock, ctx_.options.stall_window)).first;
  }
  return it->second;
}

void ReprocessingReconciler::forget_progress(const Attempt& a) {
  ctx_.lag_poller->forget(a.ns + "/" + a.name);
  std::lock_guard lock(trackers_mutex_);
  trackers_.erase(a.object["metadata"].value("uid", ""));
}

}  // namespace kappa::controllers
