#include "kafka/rdkafka_admin.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <thread>

namespace kappa::kafka {
namespace {

using steady = std::chrono::steady_clock;
using rdkafka::Deleter;

using TopicPartitionList =
    std::unique_ptr<rd_kafka_topic_partition_list_t,
                    Deleter<rd_kafka_topic_partition_list_t, rd_kafka_topic_partition_list_destroy>>;
using Metadata = std::unique_ptr<const rd_kafka_metadata_t, void (*)(const rd_kafka_metadata_t*)>;

constexpr int64_t kLatest = -1;    // ListOffsets "latest"
constexpr int64_t kEarliest = -2;  // ListOffsets "earliest"

int timeout_ms(const KafkaConnection& c) { return static_cast<int>(c.timeout.count()); }

// Errors a freshly created topic or a leader election shows for a moment.
bool transient(rd_kafka_resp_err_t err) {
  return err == RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION || err == RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE ||
         err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART || err == RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION ||
         err == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC;
}

bool authentication_error(int err) {
  return err == RD_KAFKA_RESP_ERR__AUTHENTICATION || err == RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED ||
         err == RD_KAFKA_RESP_ERR__SSL;
}

// The kind of a broker's or librdkafka's error code.
KafkaErrorKind kind_of(rd_kafka_resp_err_t err) {
  switch (err) {
    case RD_KAFKA_RESP_ERR__TIMED_OUT:
    case RD_KAFKA_RESP_ERR__TRANSPORT:
    case RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT: return KafkaErrorKind::Timeout;
    case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED: return KafkaErrorKind::NotAuthorized;
    default: return authentication_error(err) ? KafkaErrorKind::AuthenticationFailed : KafkaErrorKind::Other;
  }
}

std::vector<std::pair<std::string, std::string>> as_pairs(const std::map<std::string, std::string>& m) {
  return {m.begin(), m.end()};
}

}  // namespace

const char* to_string(KafkaErrorKind kind) {
  switch (kind) {
    case KafkaErrorKind::Timeout: return "Timeout";
    case KafkaErrorKind::UnknownTopic: return "UnknownTopic";
    case KafkaErrorKind::TopicConflict: return "TopicConflict";
    case KafkaErrorKind::GroupNotEmpty: return "GroupNotEmpty";
    case KafkaErrorKind::InvalidConfig: return "InvalidConfig";
    case KafkaErrorKind::AuthenticationFailed: return "AuthenticationFailed";
    case KafkaErrorKind::NotAuthorized: return "NotAuthorized";
    case KafkaErrorKind::Other: return "Other";
  }
  return "Other";
}

RdKafkaAdmin::RdKafkaAdmin(KafkaConnection connection) : connection_(std::move(connection)) {
  auto properties = connection_.client_properties();
  // Fail fast rather than retrying forever inside librdkafka.
  properties.try_emplace("socket.timeout.ms", std::to_string(timeout_ms(connection_)));
  properties.try_emplace("reconnect.backoff.max.ms", "2000");
  properties.try_emplace("log_level", "3");  // errors only; we report failures ourselves
  // A consumer handle with a group of its own, never joined: librdkafka
  // 2.0.2 answers a ListConsumerGroupOffsets reply that says
  // NOT_COORDINATOR (a fresh or restarting broker) by asking the handle's
  // own consumer group to look up its coordinator again, and a handle
  // without one (a producer) dereferences NULL in rdk:main
  // (confluentinc/librdkafka#5040). With a group the lookup is harmless.
  properties["group.id"] = "kappa-operator-admin";
  properties["enable.auto.commit"] = "false";
  try {
    auto conf = rdkafka::make_conf(as_pairs(properties));
    rd_kafka_conf_set_error_cb(conf.get(), &RdKafkaAdmin::on_client_error);
    rd_kafka_conf_set_opaque(conf.get(), this);
    handle_ = rdkafka::make_handle(RD_KAFKA_CONSUMER, std::move(conf));
  } catch (const std::invalid_argument& e) {
    throw KafkaError(KafkaErrorKind::InvalidConfig, "Kafka " + connection_.describe() + ": " + e.what());
  }
}

void RdKafkaAdmin::on_client_error(rd_kafka_t*, int error, const char* reason, void* self) {
  if (!authentication_error(error) || !self) return;
  auto& admin = *static_cast<RdKafkaAdmin*>(self);
  std::lock_guard lock(admin.auth_mutex_);
  admin.auth_failure_ = reason ? reason : rd_kafka_err2str(static_cast<rd_kafka_resp_err_t>(error));
}

void RdKafkaAdmin::answered() {
  std::lock_guard lock(auth_mutex_);
  auth_failure_.clear();
}

void RdKafkaAdmin::fail(KafkaErrorKind kind, const std::string& op, const std::string& why) const {
  std::string text = why;
  if (kind == KafkaErrorKind::Timeout) {
    // Error callbacks run only when the handle is polled; nothing else
    // polls this one.
    rd_kafka_poll(handle_.get(), 0);
    std::lock_guard lock(auth_mutex_);
    if (!auth_failure_.empty()) {
      kind = KafkaErrorKind::AuthenticationFailed;
      text = "the broker refused the client's credentials or TLS: " + auth_failure_ + " (" + why + ")";
    }
  }
  // Defence in depth: no property value (a password, a key) in the message.
  for (const auto& [key, value] : connection_.properties) text = rdkafka::redacted(text, value);
  throw KafkaError(kind, op + " on Kafka " + connection_.bootstrap_servers + ": " + text);
}

rdkafka::AdminOptions RdKafkaAdmin::options(rd_kafka_admin_op_t op) {
  rdkafka::AdminOptions opts(rd_kafka_AdminOptions_new(handle_.get(), op));
  char error[256];
  rd_kafka_AdminOptions_set_request_timeout(opts.get(), timeout_ms(connection_), error, sizeof error);
  if (op == RD_KAFKA_ADMIN_OP_CREATETOPICS || op == RD_KAFKA_ADMIN_OP_DELETETOPICS) {
    rd_kafka_AdminOptions_set_operation_timeout(opts.get(), timeout_ms(connection_), error, sizeof error);
  }
  return opts;
}

rdkafka::Event RdKafkaAdmin::wait_event(rdkafka::Queue& queue, const std::string& op) {
  // A little beyond the request timeout so librdkafka reports its own
  // timeout (with the broker's state) first when it can.
  rdkafka::Event event(rd_kafka_queue_poll(queue.get(), timeout_ms(connection_) + 1000));
  if (!event) {
    fail(KafkaErrorKind::Timeout, op, "no answer within " + std::to_string(timeout_ms(connection_)) + " ms");
  }
  if (const rd_kafka_resp_err_t err = rd_kafka_event_error(event.get())) {
    fail(kind_of(err), op, rd_kafka_event_error_string(event.get()));
  }
  answered();
  return event;
}

RdKafkaAdmin::TopicLayout RdKafkaAdmin::describe_topic(const std::string& topic, bool wait_for_leaders) {
  const auto deadline = steady::now() + connection_.timeout;
  // A topic just created takes a moment to show up with leaders, usually
  // tens of milliseconds: look again soon, then less often.
  std::chrono::milliseconds pause(10);
  while (true) {
    try {
      const TopicLayout layout = describe_topic_once(topic);
      if (!wait_for_leaders || layout.all_partitions_led) return layout;
    } catch (const KafkaError& e) {
      if (!wait_for_leaders || e.kind() != KafkaErrorKind::UnknownTopic) throw;
    }
    if (steady::now() >= deadline) {
      fail(KafkaErrorKind::Timeout, "metadata of " + topic, "partitions have no leader yet");
    }
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(200));
  }
}

RdKafkaAdmin::TopicLayout RdKafkaAdmin::describe_topic_once(const std::string& topic) {
  const rd_kafka_metadata_t* raw = nullptr;
  std::unique_ptr<rd_kafka_topic_t, Deleter<rd_kafka_topic_t, rd_kafka_topic_destroy>> handle(
      rd_kafka_topic_new(handle_.get(), topic.c_str(), nullptr));
  const rd_kafka_resp_err_t err = rd_kafka_metadata(handle_.get(), 0, handle.get(), &raw, timeout_ms(connection_));
  if (err == RD_KAFKA_RESP_ERR__TIMED_OUT || err == RD_KAFKA_RESP_ERR__TRANSPORT) {
    fail(KafkaErrorKind::Timeout, "metadata of " + topic, rd_kafka_err2str(err));
  }
  if (err) fail(kind_of(err), "metadata of " + topic, rd_kafka_err2str(err));
  Metadata metadata(raw, rd_kafka_metadata_destroy);
  if (metadata->topic_cnt != 1 || metadata->topics[0].err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART ||
      metadata->topics[0].partition_cnt == 0) {
    fail(KafkaErrorKind::UnknownTopic, "metadata of " + topic, "topic does not exist");
  }
  if (metadata->topics[0].err) {
    fail(kind_of(metadata->topics[0].err), "metadata of " + topic, rd_kafka_err2str(metadata->topics[0].err));
  }
  answered();
  TopicLayout layout;
  layout.partitions = metadata->topics[0].partition_cnt;
  layout.replication_factor = static_cast<int16_t>(metadata->topics[0].partitions[0].replica_cnt);
  for (int i = 0; i < layout.partitions; ++i) {
    const auto& p = metadata->topics[0].partitions[i];
    if (p.err || p.leader < 0) layout.all_partitions_led = false;
  }
  return layout;
}

int32_t RdKafkaAdmin::partition_count(const std::string& topic) { return describe_topic(topic).partitions; }

PartitionOffsets RdKafkaAdmin::list_offsets(const std::string& topic, int64_t query, int32_t partitions) {
  if (partitions <= 0) partitions = describe_topic(topic).partitions;
  const auto deadline = steady::now() + connection_.timeout;
  while (true) {
    TopicPartitionList list(rd_kafka_topic_partition_list_new(partitions));
    for (int32_t p = 0; p < partitions; ++p) {
      rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), p)->offset = query;
    }
    // One ListOffsets round for all partitions (offsets_for_times passes the
    // special -1/-2 timestamps through as latest/earliest).
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - steady::now()).count();
    rd_kafka_resp_err_t err =
        rd_kafka_offsets_for_times(handle_.get(), list.get(), static_cast<int>(std::max<int64_t>(left, 1)));
    if (err == RD_KAFKA_RESP_ERR__TIMED_OUT || err == RD_KAFKA_RESP_ERR__TRANSPORT) {
      fail(KafkaErrorKind::Timeout, "list offsets of " + topic, rd_kafka_err2str(err));
    }
    PartitionOffsets out;
    for (int i = 0; !err && i < list->cnt; ++i) {
      err = list->elems[i].err;
      out[list->elems[i].partition] = list->elems[i].offset;
    }
    if (!err) return out;
    if (!transient(err)) fail(kind_of(err), "list offsets of " + topic, rd_kafka_err2str(err));
    // Leadership is moving (new topic, broker restart): ask again shortly.
    if (steady::now() >= deadline) fail(KafkaErrorKind::Timeout, "list offsets of " + topic, rd_kafka_err2str(err));
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

PartitionOffsets RdKafkaAdmin::end_offsets(const std::string& topic) { return list_offsets(topic, kLatest); }
PartitionOffsets RdKafkaAdmin::earliest_offsets(const std::string& topic) { return list_offsets(topic, kEarliest); }

PartitionOffsets RdKafkaAdmin::offsets_for_time(const std::string& topic, int64_t timestamp_ms) {
  PartitionOffsets offsets = list_offsets(topic, timestamp_ms);
  // No record that new: the broker answers -1; the replay starts at the end.
  PartitionOffsets ends;
  for (auto& [partition, offset] : offsets) {
    if (offset < 0) {
      if (ends.empty()) ends = end_offsets(topic);
      offset = ends[partition];
    }
  }
  return offsets;
}

PartitionOffsets RdKafkaAdmin::start_offsets(const std::string& topic, const StartFrom& start) {
  switch (start.kind) {
    case StartFrom::Kind::Earliest: return earliest_offsets(topic);
    case StartFrom::Kind::Latest: return end_offsets(topic);
    case StartFrom::Kind::Timestamp: return offsets_for_time(topic, start.timestamp_ms);
  }
  return {};
}

std::vector<GroupLag> RdKafkaAdmin::lag(const std::string& topic, const std::vector<GroupLagQuery>& groups) {
  std::vector<LagQuery> queries;
  for (const auto& g : groups) queries.push_back({g.group, {{topic, g.start_offsets}}});
  return lag_batch(queries);
}

// Each topic's log end and start, asked once per round however many groups
// read it (one metadata lookup serves both offset queries).
RdKafkaAdmin::TopicEnds RdKafkaAdmin::topic_ends(const std::vector<LagQuery>& queries) {
  TopicEnds ends;
  for (const auto& query : queries) {
    for (const auto& topic : query.topics) {
      if (ends.count(topic.name)) continue;
      const int32_t partitions = describe_topic(topic.name).partitions;
      ends[topic.name] = {list_offsets(topic.name, kLatest, partitions), list_offsets(topic.name, kEarliest, partitions)};
    }
  }
  return ends;
}

// A group's lag from its commits: a partition it has not committed counts
// from where its replay began (or what retention left of that).
GroupLag RdKafkaAdmin::group_lag(const LagQuery& query, const TopicEnds& ends,
                                 const std::map<std::pair<std::string, int32_t>, int64_t>& committed) {
  GroupLag out;
  out.group = query.group;
  for (const auto& topic : query.topics) {
    const auto& [end_offsets, earliest] = ends.at(topic.name);
    for (const auto& [partition, end] : end_offsets) {
      PartitionLag pl{topic.name, partition, -1, end, 0};
      if (const auto c = committed.find({topic.name, partition}); c != committed.end()) {
        pl.committed = c->second;
        pl.lag = std::max<int64_t>(0, end - c->second);
      } else {
        const auto s = topic.start_offsets.find(partition);
        const int64_t from = std::max(s != topic.start_offsets.end() ? s->second : earliest.at(partition),
                                      earliest.at(partition));
        pl.lag = std::max<int64_t>(0, end - from);
      }
      out.total += pl.lag;
      out.partitions.push_back(pl);
    }
  }
  return out;
}

std::vector<GroupLag> RdKafkaAdmin::lag_batch(const std::vector<LagQuery>& queries) {
  const TopicEnds ends = topic_ends(queries);

  // librdkafka 2.0.2 takes one group per ListConsumerGroupOffsets call:
  // send them all at once on one queue and gather the answers, so N groups
  // cost one round trip of latency, not N.
  rdkafka::Queue queue(rd_kafka_queue_new(handle_.get()));
  std::map<std::string, std::size_t> pending;
  for (std::size_t i = 0; i < queries.size(); ++i) {
    TopicPartitionList partitions(rd_kafka_topic_partition_list_new(1));
    for (const auto& topic : queries[i].topics) {
      for (const auto& [partition, unused] : ends.at(topic.name).first) {
        rd_kafka_topic_partition_list_add(partitions.get(), topic.name.c_str(), partition);
      }
    }
    std::unique_ptr<rd_kafka_ListConsumerGroupOffsets_t,
                    Deleter<rd_kafka_ListConsumerGroupOffsets_t, rd_kafka_ListConsumerGroupOffsets_destroy>>
        request(rd_kafka_ListConsumerGroupOffsets_new(queries[i].group.c_str(), partitions.get()));
    rd_kafka_ListConsumerGroupOffsets_t* requests[] = {request.get()};
    auto opts = options(RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS);
    rd_kafka_ListConsumerGroupOffsets(handle_.get(), requests, 1, opts.get(), queue.get());
    pending[queries[i].group] = i;
  }

  std::vector<GroupLag> out(queries.size());
  for (std::size_t i = 0; i < queries.size(); ++i) out[i].group = queries[i].group;
  const auto deadline = steady::now() + connection_.timeout + std::chrono::seconds(1);
  while (!pending.empty()) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - steady::now()).count();
    rdkafka::Event event(rd_kafka_queue_poll(queue.get(), static_cast<int>(std::max<int64_t>(left, 0))));
    if (!event) break;
    const auto* result = rd_kafka_event_ListConsumerGroupOffsets_result(event.get());
    if (!result) continue;
    size_t count = 0;
    const rd_kafka_group_result_t** results = rd_kafka_ListConsumerGroupOffsets_result_groups(result, &count);
    for (size_t r = 0; r < count; ++r) {
      const auto it = pending.find(rd_kafka_group_result_name(results[r]));
      if (it == pending.end()) continue;
      const std::size_t index = it->second;
      pending.erase(it);
      if (const rd_kafka_error_t* error = rd_kafka_group_result_error(results[r])) {
        out[index].error = rd_kafka_error_string(error);
        continue;
      }
      std::map<std::pair<std::string, int32_t>, int64_t> committed;
      if (const auto* parts = rd_kafka_group_result_partitions(results[r])) {
        for (int p = 0; p < parts->cnt; ++p) {
          const auto& e = parts->elems[p];
          if (!e.err && e.offset >= 0) committed[{e.topic, e.partition}] = e.offset;
        }
      }
      out[index] = group_lag(queries[index], ends, committed);
    }
  }
  for (const auto& [name, index] : pending) {
    out[index].error = "no answer within " + std::to_string(timeout_ms(connection_)) + " ms";
  }
  if (!queries.empty() && pending.size() == queries.size()) {
    fail(KafkaErrorKind::Timeout, "list consumer group offsets", "no group answered in time");
  }
  return out;
}

std::map<std::string, std::string> RdKafkaAdmin::topic_configs(const std::string& topic) {
  std::unique_ptr<rd_kafka_ConfigResource_t, Deleter<rd_kafka_ConfigResource_t, rd_kafka_ConfigResource_destroy>>
      resource(rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic.c_str()));
  rd_kafka_ConfigResource_t* resources[] = {resource.get()};
  rdkafka::Queue queue(rd_kafka_queue_new(handle_.get()));
  auto opts = options(RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS);
  rd_kafka_DescribeConfigs(handle_.get(), resources, 1, opts.get(), queue.get());
  auto event = wait_event(queue, "describe configs of " + topic);
  size_t count = 0;
  const auto** results =
      rd_kafka_DescribeConfigs_result_resources(rd_kafka_event_DescribeConfigs_result(event.get()), &count);
  std::map<std::string, std::string> out;
  if (count != 1) return out;
  if (const auto err = rd_kafka_ConfigResource_error(results[0])) {
    fail(kind_of(err), "describe configs of " + topic, rd_kafka_ConfigResource_error_string(results[0]));
  }
  size_t entries = 0;
  const auto** configs = rd_kafka_ConfigResource_configs(results[0], &entries);
  for (size_t i = 0; i < entries; ++i) {
    const char* value = rd_kafka_ConfigEntry_value(configs[i]);
    out[rd_kafka_ConfigEntry_name(configs[i])] = value ? value : "";
  }
  return out;
}

void RdKafkaAdmin::create_topic(const TopicSpec& spec) { create_topics({spec}); }

void RdKafkaAdmin::create_topics(const std::vector<TopicSpec>& specs_in) {
  if (specs_in.empty()) return;
  std::vector<TopicSpec> specs = specs_in;
  std::vector<rdkafka::NewTopic> owned;
  std::vector<rd_kafka_NewTopic_t*> topics;
  std::string names;
  for (auto& spec : specs) {
    spec.configs.try_emplace("cleanup.policy", "compact");
    char error[512];
    rdkafka::NewTopic topic(rd_kafka_NewTopic_new(spec.name.c_str(), spec.partitions, spec.replication_factor, error,
                                                  sizeof error));
    if (!topic) fail(KafkaErrorKind::Other, "create topic " + spec.name, error);
    for (const auto& [key, value] : spec.configs) rd_kafka_NewTopic_set_config(topic.get(), key.c_str(), value.c_str());
    topics.push_back(topic.get());
    owned.push_back(std::move(topic));
    names += (names.empty() ? "" : ", ") + spec.name;
  }
  // One request for all of them: the controller creates them together.
  rdkafka::Queue queue(rd_kafka_queue_new(handle_.get()));
  auto opts = options(RD_KAFKA_ADMIN_OP_CREATETOPICS);
  rd_kafka_CreateTopics(handle_.get(), topics.data(), topics.size(), opts.get(), queue.get());
  auto event = wait_event(queue, "create topics " + names);
  size_t count = 0;
  const auto** results = rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event.get()), &count);
  std::map<std::string, const rd_kafka_topic_result_t*> by_name;
  for (size_t i = 0; i < count; ++i) by_name[rd_kafka_topic_result_name(results[i])] = results[i];
  for (const auto& spec : specs) {
    const auto it = by_name.find(spec.name);
    const rd_kafka_resp_err_t err = it == by_name.end() ? RD_KAFKA_RESP_ERR_NO_ERROR : rd_kafka_topic_result_error(it->second);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      // Return only once it can be used, so the next step (a processor
      // Deployment, a lag poll) does not race the metadata.
      describe_topic(spec.name, /*wait_for_leaders=*/true);
    } else if (err == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
      check_existing_topic(spec);
    } else {
      fail(kind_of(err), "create topic " + spec.name, rd_kafka_topic_result_error_string(it->second));
    }
  }
}

// It exists: success if it is what we asked for, a conflict otherwise.
void RdKafkaAdmin::check_existing_topic(const TopicSpec& spec) {
  std::string differences;
  const TopicLayout layout = describe_topic(spec.name, /*wait_for_leaders=*/true);
  if (layout.partitions != spec.partitions) {
    differences += " partitions " + std::to_string(layout.partitions) + " (want " + std::to_string(spec.partitions) + ")";
  }
  if (layout.replication_factor != spec.replication_factor) {
    differences += " replicationFactor " + std::to_string(layout.replication_factor) + " (want " +
                   std::to_string(spec.replication_factor) + ")";
  }
  const auto existing = topic_configs(spec.name);
  for (const auto& [key, value] : spec.configs) {
    const auto it = existing.find(key);
    const std::string actual = it == existing.end() ? "<unset>" : it->second;
    if (actual != value) differences += " " + key + "=" + actual + " (want " + value + ")";
  }
  if (!differences.empty()) {
    fail(KafkaErrorKind::TopicConflict, "create topic " + spec.name, "it exists with other settings:" + differences);
  }
}

void RdKafkaAdmin::delete_topic(const std::string& name) { delete_topics({name}); }

void RdKafkaAdmin::delete_topics(const std::vector<std::string>& names) {
  if (names.empty()) return;
  using DeleteTopic = std::unique_ptr<rd_kafka_DeleteTopic_t, Deleter<rd_kafka_DeleteTopic_t, rd_kafka_DeleteTopic_destroy>>;
  std::vector<DeleteTopic> owned;
  std::vector<rd_kafka_DeleteTopic_t*> topics;
  std::string listed;
  for (const auto& name : names) {
    owned.emplace_back(rd_kafka_DeleteTopic_new(name.c_str()));
    topics.push_back(owned.back().get());
    listed += (listed.empty() ? "" : ", ") + name;
  }
  rdkafka::Queue queue(rd_kafka_queue_new(handle_.get()));
  auto opts = options(RD_KAFKA_ADMIN_OP_DELETETOPICS);
  rd_kafka_DeleteTopics(handle_.get(), topics.data(), topics.size(), opts.get(), queue.get());
  auto event = wait_event(queue, "delete topics " + listed);
  size_t count = 0;
  const auto** results = rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(event.get()), &count);
  for (size_t i = 0; i < count; ++i) {
    const rd_kafka_resp_err_t err = rd_kafka_topic_result_error(results[i]);
    if (err && err != RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) {
      fail(kind_of(err), std::string("delete topic ") + rd_kafka_topic_result_name(results[i]),
           rd_kafka_topic_result_error_string(results[i]));
    }
  }
}

void RdKafkaAdmin::delete_group(const std::string& group) {
  const auto deadline = steady::now() + connection_.timeout;
  while (true) {
    std::unique_ptr<rd_kafka_DeleteGroup_t, Deleter<rd_kafka_DeleteGroup_t, rd_kafka_DeleteGroup_destroy>> request(
        rd_kafka_DeleteGroup_new(group.c_str()));
    rd_kafka_DeleteGroup_t* requests[] = {request.get()};
    rdkafka::Queue queue(rd_kafka_queue_new(handle_.get()));
    auto opts = options(RD_KAFKA_ADMIN_OP_DELETEGROUPS);
    rd_kafka_DeleteGroups(handle_.get(), requests, 1, opts.get(), queue.get());
    auto event = wait_event(queue, "delete group " + group);
    size_t count = 0;
    const auto** results = rd_kafka_DeleteGroups_result_groups(rd_kafka_event_DeleteGroups_result(event.get()), &count);
    const rd_kafka_error_t* error = count == 1 ? rd_kafka_group_result_error(results[0]) : nullptr;
    if (!error) return;
    const rd_kafka_resp_err_t code = rd_kafka_error_code(error);
    if (code == RD_KAFKA_RESP_ERR_GROUP_ID_NOT_FOUND) return;
    if (code != RD_KAFKA_RESP_ERR_NON_EMPTY_GROUP) {
      fail(kind_of(code), "delete group " + group, rd_kafka_error_string(error));
    }
    // Members are still leaving (a retired Deployment's pods stop).
    if (steady::now() >= deadline) {
      fail(KafkaErrorKind::GroupNotEmpty, "delete group " + group, "it still has members");
    }
    spdlog::debug("delete group {}: it still has members; retrying", group);
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
}

std::vector<std::string> RdKafkaAdmin::list_groups(const std::string& prefix) {
  rdkafka::Queue queue(rd_kafka_queue_new(handle_.get()));
  auto opts = options(RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPS);
  rd_kafka_ListConsumerGroups(handle_.get(), opts.get(), queue.get());
  auto event = wait_event(queue, "list consumer groups");
  const auto* result = rd_kafka_event_ListConsumerGroups_result(event.get());
  size_t count = 0;
  const auto** listings = rd_kafka_ListConsumerGroups_result_valid(result, &count);
  std::vector<std::string> out;
  for (size_t i = 0; i < count; ++i) {
    const std::string id = rd_kafka_ConsumerGroupListing_group_id(listings[i]);
    if (id.rfind(prefix, 0) == 0) out.push_back(id);
  }
  size_t errors = 0;
  rd_kafka_ListConsumerGroups_result_errors(result, &errors);
  if (errors > 0 && count == 0) {
    fail(KafkaErrorKind::Timeout, "list consumer groups", "no broker answered");
  }
  if (errors > 0) spdlog::warn("list consumer groups: {} broker(s) did not answer; the list may be partial", errors);
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> RdKafkaAdmin::list_topics(const std::string& prefix) {
  const rd_kafka_metadata_t* raw = nullptr;
  const rd_kafka_resp_err_t err = rd_kafka_metadata(handle_.get(), 1, nullptr, &raw, timeout_ms(connection_));
  if (err == RD_KAFKA_RESP_ERR__TIMED_OUT || err == RD_KAFKA_RESP_ERR__TRANSPORT) {
    fail(KafkaErrorKind::Timeout, "list topics", rd_kafka_err2str(err));
  }
  if (err) fail(kind_of(err), "list topics", rd_kafka_err2str(err));
  Metadata metadata(raw, rd_kafka_metadata_destroy);
  std::vector<std::string> out;
  for (int i = 0; i < metadata->topic_cnt; ++i) {
    const std::string name = metadata->topics[i].topic;
    if (name.rfind(prefix, 0) == 0 && name.rfind("__", 0) != 0) out.push_back(name);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::map<int32_t, int64_t> RdKafkaAdmin::first_record_timestamps(const std::string& topic, const PartitionOffsets& at) {
  // A short-lived consumer without a group reads one record per partition.
  auto properties = connection_.client_properties();
  properties["enable.auto.commit"] = "false";
  properties["enable.partition.eof"] = "true";
  properties["group.id"] = "kappa-operator-preflight";  // required by librdkafka; never joins or commits
  properties["log_level"] = "3";
  rdkafka::Handle consumer = rdkafka::make_handle(RD_KAFKA_CONSUMER, rdkafka::make_conf(as_pairs(properties)));
  TopicPartitionList assignment(rd_kafka_topic_partition_list_new(static_cast<int>(at.size())));
  for (const auto& [partition, offset] : at) {
    rd_kafka_topic_partition_list_add(assignment.get(), topic.c_str(), partition)->offset = offset;
  }
  rd_kafka_assign(consumer.get(), assignment.get());
  std::map<int32_t, int64_t> out;
  std::set<int32_t> waiting;
  for (const auto& [partition, unused] : at) waiting.insert(partition);
  const auto deadline = steady::now() + connection_.timeout;
  while (!waiting.empty() && steady::now() < deadline) {
    std::unique_ptr<rd_kafka_message_t, Deleter<rd_kafka_message_t, rd_kafka_message_destroy>> message(
        rd_kafka_consumer_poll(consumer.get(), 200));
    if (!message || !waiting.count(message->partition)) continue;
    if (message->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      waiting.erase(message->partition);  // empty partition: nothing there
    } else if (!message->err) {
      rd_kafka_timestamp_type_t type;
      out[message->partition] = rd_kafka_message_timestamp(message.get(), &type);
      waiting.erase(message->partition);
    }
  }
  rd_kafka_consumer_close(consumer.get());
  if (!waiting.empty()) fail(KafkaErrorKind::Timeout, "read first records of " + topic, "no answer in time");
  return out;
}

RetentionCheck RdKafkaAdmin::retention_preflight(const std::string& topic, const StartFrom& start) {
  RetentionCheck check;
  if (start.kind == StartFrom::Kind::Latest) return check;
  const PartitionOffsets earliest = earliest_offsets(topic);
  std::map<int32_t, int64_t> first_timestamps;
  if (start.kind == StartFrom::Kind::Timestamp) {
    PartitionOffsets trimmed;
    for (const auto& [p, offset] : earliest) {
      if (offset > 0) trimmed[p] = offset;
    }
    if (!trimmed.empty()) first_timestamps = first_record_timestamps(topic, trimmed);
  }
  for (const auto& [partition, low] : earliest) {
    if (low == 0) continue;  // nothing was ever removed
    RetentionGap gap;
    gap.partition = partition;
    gap.earliest_available = low;
    if (start.kind == StartFrom::Kind::Earliest) {
      gap.requested_offset = 0;  // a replay from the beginning needs it all
    } else {
      // Records before `low` are gone. They were needed if the oldest record
      // left is newer than the requested time: whatever came between the
      // requested time and it may have been removed.
      const auto ts = first_timestamps.find(partition);
      if (ts == first_timestamps.end() || ts->second <= start.timestamp_ms) continue;
      gap.first_available_timestamp_ms = ts->second;
      gap.requested_offset = -1;  // some offset before `low`, unknown now
    }
    check.gaps.push_back(gap);
  }
  if (!check.gaps.empty()) {
    check.sufficient = false;
    check.message = "retention has removed records the replay needs from " + topic + ":";
    for (const auto& g : check.gaps) {
      check.message += " partition " + std::to_string(g.partition) + " starts at offset " +
                       std::to_string(g.earliest_available);
      if (start.kind == StartFrom::Kind::Earliest) {
        check.message += " (need 0);";
      } else {
        check.message += " whose first record is at " + std::to_string(g.first_available_timestamp_ms) +
                         " ms (need from " + std::to_string(start.timestamp_ms) + " ms);";
      }
    }
    check.message.pop_back();
  }
  return check;
}

}  // namespace kappa::kafka
