// What a Pipeline deletes in Kafka, and when: a retired version's consumer
// group, the output tables beyond keepRetiredTables, and everything on the
// record when the Pipeline goes. Only names on status.ownedKafka are deleted
// (docs/design.md, invariant 9), never what a listing of topics matches
// (but for a Kafka Streams processor's internal topics: owned_kafka.h).
#include <set>

#include <spdlog/spdlog.h>

#include "api/names.h"
#include "api/status_names.h"
#include "controllers/crash_point.h"
#include "controllers/owned_kafka.h"
#include "controllers/pipeline_view.h"
#include "controllers/version_cleanup.h"
#include "kafka/kafka_error.h"
#include "kube/api_error.h"
#include "kube/time_format.h"

namespace kappa::controllers {

using View = PipelineReconciler::View;

namespace {

const OwnedKafka* recorded(const std::vector<OwnedKafka>& record, int64_t version) {
  for (const auto& e : record) {
    if (e.version == version) return &e;
  }
  return nullptr;
}

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The recorded output table: the topic that is neither a state changelog
// nor a Lambda generation's batch table.
std::string output_topic_of(const OwnedKafka& e) {
  for (const auto& t : e.topics) {
    if (!ends_with(t, api::state_topic("")) && !ends_with(t, api::batch_table(""))) return t;
  }
  return "";
}

}  // namespace

// The names to delete with version N: the record's, or (for a version the
// record lacks) the ones the spec gives, which lie in the Pipeline's space.
VersionParts PipelineReconciler::version_parts(const View& v, int64_t version, const json& deployment) const {
  VersionParts parts{v.ns,
                     v.name,
                     version,
                     deployment["metadata"].value("name", ""),
                     api::consumer_group(v.ns, v.name, version),
                     api::output_topic(v.spec->topic_prefix, v.name, version),
                     "",
                     "",
                     ""};
  if (v.spec->architecture == api::Architecture::Lambda) {
    parts.batch_job = api::batch_job_name(v.name, version);
    parts.batch_group = api::batch_consumer_group(v.ns, v.name, version);
    parts.batch_table = api::batch_table(parts.output_topic);
  }
  const auto record = owned_kafka(v.object).value_or(std::vector<OwnedKafka>{});
  if (const auto* e = recorded(record, version)) {
    parts.consumer_group = e->consumer_group;
    parts.batch_group = e->batch_group;
    parts.output_topic = output_topic_of(*e);
    if (!parts.batch_table.empty()) parts.batch_table = api::batch_table(parts.output_topic);
  }
  return parts;
}

// Its Deployment first, then its group; the table stays (keepRetiredTables
// decides in collect_kafka_garbage).
// (run() has set v.kafka before the retire and clean-up steps.)
void PipelineReconciler::retire_version(View& v, int64_t version, const json& deployment) {
  confirm_service(v);
  if (delete_version(ctx_.client, *v.kafka->admin, version_parts(v, version, deployment), /*delete_tables=*/false) !=
      CleanupStep::Done) {
    crash_point("during-retire");
    v.requeue_within(std::chrono::seconds(2));
    return;
  }
  forget_owned_kafka(ctx_.client, v.ns, v.name, version, Forget::Group);
  record_retired(v, version, hash_label(deployment));
}

void PipelineReconciler::record_retired(View& v, int64_t version, const std::string& template_hash) {
  std::string hash = template_hash;
  for (const auto& e : v.status.value("versions", json::array())) {
    if (hash.empty() && e.value("version", int64_t{0}) == version) hash = e.value("templateHash", "");
  }
  v.retired.push_back({{"version", version},
                       {"templateHash", hash},
                       {"deployment", api::deployment_name(v.name, version)},
                       {"consumerGroup", api::consumer_group(v.ns, v.name, version)},
                       {"outputTopic", api::output_topic(v.spec->topic_prefix, v.name, version)},
                       {"state", api::version_state::kRetired},
                       {"since", kube::format_time(ctx_.wall_clock())}});
  event(v, false, "Retired",
        "v" + std::to_string(version) + " retired: Deployment " + api::deployment_name(v.name, version) +
            " and consumer group " + api::consumer_group(v.ns, v.name, version) + " deleted");
}

// A recorded version whose group is still there is finished once its
// Reprocessing has ended or is gone. Our cache may not show a Reprocessing
// made a moment ago, so one missing from it is read fresh.
bool PipelineReconciler::version_finished(const View& v, const OwnedKafka& e) const {
  if (e.groups().empty() || e.reprocessing.empty()) return true;
  for (const auto& r : v.reprocessings) {
    if (r["metadata"].value("name", "") == e.reprocessing) return is_terminal(r);
  }
  try {
    return is_terminal(ctx_.client.get(api::kReprocessings, v.ns, e.reprocessing));
  } catch (const kube::ApiError& err) {
    if (err.kind() != kube::ApiErrorKind::NotFound) throw;
    return true;
  }
}

// Groups and tables of versions that have no Deployment any more (retired,
// or left behind by a crash mid-retire) go, keeping the output tables of the
// newest keepRetiredTables retired versions. Skipped while a candidate's
// version number or Deployment may not be in our cache yet. No Kafka call
// unless the record names something to delete.
void PipelineReconciler::collect_kafka_garbage(View& v) {
  std::set<int64_t> live;
  for (const auto& [version, d] : v.deployments) live.insert(version);
  if (v.active) live.insert(*v.active);
  for (const auto& r : v.reprocessings) {
    if (is_terminal(r)) continue;
    if (version_of(r) <= 0) return;
    if (!v.deployments.count(version_of(r))) return;
    live.insert(version_of(r));
  }
  std::vector<OwnedKafka> dead;
  for (const auto& e : owned_kafka(v.object).value_or(std::vector<OwnedKafka>{})) {
    if (!live.count(e.version) && version_finished(v, e)) dead.push_back(e);
  }
  if (dead.empty()) return;
  confirm_service(v);
  delete_dead_groups(v, dead);
  delete_dead_tables(v, dead);
}

void PipelineReconciler::delete_dead_groups(View& v, std::vector<OwnedKafka>& dead) {
  for (auto& e : dead) {
    if (e.groups().empty()) continue;
    try {
      bool ours = true;
      for (const auto& group : e.groups()) {
        if (delete_owned_group(*v.kafka->admin, v.ns, v.name, e.version, group)) continue;
        refuse_recorded_name(v, e.version, group);
        ours = false;
      }
      if (forget_owned_kafka(ctx_.client, v.ns, v.name, e.version, Forget::Group) && ours) {
        record_retired(v, e.version, "");  // the usual end of a retirement: the Deployment went in an earlier pass
      }
      e.consumer_group.clear();
      e.batch_group.clear();
    } catch (const kafka::KafkaError& err) {
      if (err.kind() != kafka::KafkaErrorKind::GroupNotEmpty) throw;
      v.requeue_within(std::chrono::seconds(5));
    }
  }
}

// Newest first: the first keepRetiredTables versions keep their tables.
void PipelineReconciler::delete_dead_tables(View& v, const std::vector<OwnedKafka>& dead) {
  int kept = 0;
  for (auto it = dead.rbegin(); it != dead.rend(); ++it) {
    if (it->topics.empty()) continue;
    if (kept++ < v.spec->rollout.keep_retired_tables) continue;
    const auto refused = delete_owned_topics(*v.kafka->admin, v.ns, v.name, it->version, it->topics);
    for (const auto& topic : refused) refuse_recorded_name(v, it->version, topic);
    if (forget_owned_kafka(ctx_.client, v.ns, v.name, it->version, Forget::Topics) && refused.empty()) {
      event(v, false, "TableDeleted", "v" + std::to_string(it->version) + " output table deleted (keepRetiredTables " +
                                          std::to_string(v.spec->rollout.keep_retired_tables) + ")");
    }
  }
}

// A name on the record that is not this Pipeline's to delete: someone
// edited the status. Nothing is deleted; it is reported, and the caller
// drops it from the record, so once.
void PipelineReconciler::refuse_recorded_name(View& v, int64_t version, const std::string& name) {
  event(v, true, "KafkaNameRefused",
        "status." + std::string(kStatusOwnedKafka) + " names \"" + name + "\" for v" + std::to_string(version) +
            ", which is not this Pipeline's to delete (it must be in its namespace's space); left untouched");
}

// docs/design.md, invariant 5: every recorded group and topic goes before
// the Pipeline does.
void PipelineReconciler::delete_all_owned_kafka(View& v) {
  for (const auto& e : owned_kafka(v.object).value_or(std::vector<OwnedKafka>{})) {
    for (const auto& group : e.groups()) delete_owned_group(*v.kafka->admin, v.ns, v.name, e.version, group);
    delete_owned_topics(*v.kafka->admin, v.ns, v.name, e.version, e.topics);
  }
}

// A Pipeline an operator without the record made: its versions' names are
// adopted once, from each Reprocessing's status and each Deployment.
void PipelineReconciler::adopt_legacy_kafka(View& v) {
  if (owned_kafka(v.object)) return;
  std::vector<OwnedKafka> known;
  for (const auto& r : v.reprocessings) {
    const json& s = status_of(r);
    const int64_t version = version_of(r);
    const std::string topic = s.value("outputTopic", "");
    if (version <= 0 || topic.empty() || s.value("phase", "") == api::phase::kAborted) continue;  // aborts clean up
    known.push_back({version, r["metadata"].value("name", ""), s.value("consumerGroup", ""),
                     {topic, api::state_topic(topic)}, ""});
  }
  for (const auto& [version, d] : v.deployments) {
    const auto topic = api::output_topic(v.spec->topic_prefix, v.name, version);
    known.push_back({version, "", api::consumer_group(v.ns, v.name, version), {topic, api::state_topic(topic)}, ""});
  }
  adopt_owned_kafka(ctx_.client, v.ns, v.name, known);
}

}  // namespace kappa::controllers
