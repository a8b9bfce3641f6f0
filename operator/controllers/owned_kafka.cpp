#include "controllers/owned_kafka.h"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "api/names.h"
#include "controllers/status_patch.h"

namespace kappa::controllers {

using nlohmann::json;

json OwnedKafka::to_json() const {
  json entry = {{"version", version}, {"topics", topics}};
  if (!reprocessing.empty()) entry["reprocessing"] = reprocessing;
  if (!consumer_group.empty()) entry["consumerGroup"] = consumer_group;
  if (!batch_group.empty()) entry["batchConsumerGroup"] = batch_group;
  return entry;
}

std::vector<std::string> OwnedKafka::groups() const {
  std::vector<std::string> out;
  for (const auto* g : {&consumer_group, &batch_group}) {
    if (!g->empty()) out.push_back(*g);
  }
  return out;
}

OwnedKafka OwnedKafka::from_json(const json& entry) {
  OwnedKafka e;
  if (!entry.is_object()) return e;
  e.version = entry.value("version", int64_t{0});
  e.reprocessing = entry.value("reprocessing", "");
  e.consumer_group = entry.value("consumerGroup", "");
  e.batch_group = entry.value("batchConsumerGroup", "");
  for (const auto& t : entry.value("topics", json::array())) {
    if (t.is_string()) e.topics.push_back(t.get<std::string>());
  }
  return e;
}

namespace {

std::vector<OwnedKafka> entries_of(const json& status) {
  std::vector<OwnedKafka> list;
  const auto it = status.find(kStatusOwnedKafka);
  if (it == status.end() || !it->is_array()) return list;
  for (const auto& entry : *it) list.push_back(OwnedKafka::from_json(entry));
  std::sort(list.begin(), list.end(), [](const auto& a, const auto& b) { return a.version < b.version; });
  return list;
}

void store(json& status, const std::vector<OwnedKafka>& list) {
  json out = json::array();
  for (const auto& e : list) out.push_back(e.to_json());
  status[kStatusOwnedKafka] = std::move(out);
}

bool contains(const std::vector<std::string>& list, const std::string& name) {
  return std::find(list.begin(), list.end(), name) != list.end();
}

// Whether `known` names everything `wanted` does.
bool covers(const OwnedKafka& known, const OwnedKafka& wanted) {
  if (!wanted.consumer_group.empty() && known.consumer_group != wanted.consumer_group) return false;
  if (!wanted.batch_group.empty() && known.batch_group != wanted.batch_group) return false;
  return std::all_of(wanted.topics.begin(), wanted.topics.end(),
                     [&](const std::string& t) { return contains(known.topics, t); });
}

}  // namespace

std::optional<std::vector<OwnedKafka>> owned_kafka(const json& pipeline) {
  const auto status = pipeline.find("status");
  if (status == pipeline.end() || !status->is_object() || !status->contains(kStatusOwnedKafka)) return std::nullopt;
  return entries_of(*status);
}

bool add_owned_kafka(json& status, const OwnedKafka& entry) {
  auto list = entries_of(status);
  auto it = std::find_if(list.begin(), list.end(), [&](const auto& e) { return e.version == entry.version; });
  if (it == list.end()) {
    list.push_back(entry);
  } else {
    if (covers(*it, entry)) return false;
    if (!entry.consumer_group.empty()) it->consumer_group = entry.consumer_group;
    if (!entry.batch_group.empty()) it->batch_group = entry.batch_group;
    if (it->reprocessing.empty()) it->reprocessing = entry.reprocessing;
    for (const auto& t : entry.topics) {
      if (!contains(it->topics, t)) it->topics.push_back(t);
    }
  }
  store(status, list);
  return true;
}

void record_owned_kafka(kube::KubeClient& client, json& pipeline, const OwnedKafka& entry) {
  for (const auto& known : owned_kafka(pipeline).value_or(std::vector<OwnedKafka>{})) {
    if (known.version == entry.version && covers(known, entry)) return;
  }
  edit_status_guarded(client, api::kPipelines, pipeline, [&](json& status) { return add_owned_kafka(status, entry); });
}

bool forget_owned_kafka(kube::KubeClient& client, const std::string& ns, const std::string& pipeline,
                        int64_t version, Forget what) {
  bool removed = false;
  edit_status_guarded(client, api::kPipelines, ns, pipeline, [&](json& status) {
    removed = false;
    auto list = entries_of(status);
    auto it = std::find_if(list.begin(), list.end(), [&](const auto& e) { return e.version == version; });
    if (it == list.end()) return false;
    if (what != Forget::Topics && !it->groups().empty()) {
      it->consumer_group.clear();
      it->batch_group.clear();
      removed = true;
    }
    if (what != Forget::Group && !it->topics.empty()) {
      it->topics.clear();
      removed = true;
    }
    if (it->groups().empty() && it->topics.empty()) {
      list.erase(it);
      removed = true;
    }
    if (removed) store(status, list);
    return removed;
  });
  return removed;
}

void adopt_owned_kafka(kube::KubeClient& client, const std::string& ns, const std::string& pipeline,
                       const std::vector<OwnedKafka>& known) {
  edit_status_guarded(client, api::kPipelines, ns, pipeline, [&](json& status) {
    if (status.contains(kStatusOwnedKafka)) return false;
    std::vector<OwnedKafka> list;
    for (const auto& e : known) {
      auto it = std::find_if(list.begin(), list.end(), [&](const auto& l) { return l.version == e.version; });
      if (it == list.end()) list.push_back(e);
    }
    std::sort(list.begin(), list.end(), [](const auto& a, const auto& b) { return a.version < b.version; });
    store(status, list);
    spdlog::info("pipeline {}/{}: adopted {} versions' Kafka names into status.{}", ns, pipeline, list.size(),
                 kStatusOwnedKafka);
    return true;
  });
}

namespace {

// A Kafka Streams processor's repartition and changelog topics are its
// application's (= group's) state: they go with the group, only after it was
// deleted (no member left). Nothing records them (the processor makes them),
// so they are listed, but only names no one but this group's application
// can have (api::streams_internal_topic_of). Repeated when a crash left the
// group on the record: deleting a missing group succeeds, and this runs again.
void delete_streams_internal_topics(kafka::KafkaAdmin& admin, const std::string& group) {
  std::vector<std::string> internal;
  for (const auto& topic : admin.list_topics(group + "-")) {
    if (api::streams_internal_topic_of(topic, group)) internal.push_back(topic);
  }
  if (internal.empty()) return;
  admin.delete_topics(internal);
  for (const auto& topic : internal) spdlog::info("deleted topic {}, internal to application {}", topic, group);
}

}  // namespace

bool delete_owned_group(kafka::KafkaAdmin& admin, const std::string& ns, const std::string& pipeline,
                        int64_t version, const std::string& group) {
  if (!api::group_in_pipeline_space(group, ns, pipeline, version)) {
    spdlog::warn("pipeline {}/{}: refusing to delete consumer group \"{}\": not a group v{} of this Pipeline owns",
                 ns, pipeline, group, version);
    return false;
  }
  admin.delete_group(group);
  delete_streams_internal_topics(admin, group);
  return true;
}

std::vector<std::string> delete_owned_topics(kafka::KafkaAdmin& admin, const std::string& ns,
                                             const std::string& pipeline, int64_t version,
                                             const std::vector<std::string>& topics) {
  std::vector<std::string> ours, refused;
  for (const auto& topic : topics) {
    if (api::topic_in_pipeline_space(topic, ns, pipeline, version)) {
      ours.push_back(topic);
      continue;
    }
    spdlog::warn("pipeline {}/{}: refusing to delete topic \"{}\": not a topic v{} of this Pipeline owns", ns,
                 pipeline, topic, version);
    refused.push_back(topic);
  }
  admin.delete_topics(ours);
  return refused;
}

}  // namespace kappa::controllers
