#pragma once
// An in-memory Kafka cluster as the controllers see it: topics with end
// offsets, consumer groups with committed offsets (and members), lag as
// the real admin computes it. Tests move offsets by hand; calls can fail.
#include <algorithm>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "kafka/kafka_admin.h"

namespace kappa::testing {

class FakeKafkaAdmin final : public kafka::KafkaAdmin {
 public:
  struct Topic {
    kafka::TopicSpec spec;
    kafka::PartitionOffsets end;
  };
  struct Group {
    std::map<std::string, kafka::PartitionOffsets> committed;  // by topic
    bool has_members = false;
  };

  // --- the test's side ---
  void add_topic(const std::string& name, int32_t partitions, int64_t end_per_partition) {
    std::lock_guard lock(mutex_);
    Topic t{{name, partitions, 1, {}}, {}};
    for (int32_t p = 0; p < partitions; ++p) t.end[p] = end_per_partition;
    topics_[name] = t;
  }
  void set_end(const std::string& topic, int64_t end_per_partition) {
    std::lock_guard lock(mutex_);
    for (auto& [p, end] : topics_.at(topic).end) end = end_per_partition;
  }
  // The group has consumed `offset` of every partition of `topic`.
  void commit(const std::string& group, const std::string& topic, int64_t offset, bool has_members = true) {
    std::lock_guard lock(mutex_);
    auto& g = groups_[group];
    for (const auto& [p, end] : topics_.at(topic).end) g.committed[topic][p] = offset;
    g.has_members = has_members;
  }
  void set_members(const std::string& group, bool has_members) {
    std::lock_guard lock(mutex_);
    groups_[group].has_members = has_members;
  }
  void set_retention_insufficient(const std::string& message) {
    std::lock_guard lock(mutex_);
    retention_gap_ = message;
  }
  // The next call named `operation` (e.g. "lag", "create_topic") throws.
  void fail_next(const std::string& operation, kafka::KafkaErrorKind kind) {
    std::lock_guard lock(mutex_);
    failures_[operation] = kind;
  }
  bool has_topic(const std::string& name) const {
    std::lock_guard lock(mutex_);
    return topics_.count(name) > 0;
  }
  bool has_group(const std::string& name) const {
    std::lock_guard lock(mutex_);
    return groups_.count(name) > 0;
  }
  std::optional<kafka::TopicSpec> topic(const std::string& name) const {
    std::lock_guard lock(mutex_);
    const auto it = topics_.find(name);
    return it == topics_.end() ? std::nullopt : std::optional<kafka::TopicSpec>(it->second.spec);
  }
  int calls(const std::string& operation) const {
    std::lock_guard lock(mutex_);
    const auto it = calls_.find(operation);
    return it == calls_.end() ? 0 : it->second;
  }

  // --- kafka::KafkaAdmin ---
  int32_t partition_count(const std::string& topic) override {
    std::lock_guard lock(mutex_);
    enter("partition_count");
    return existing(topic).spec.partitions;
  }
  kafka::PartitionOffsets end_offsets(const std::string& topic) override {
    std::lock_guard lock(mutex_);
    enter("end_offsets");
    return existing(topic).end;
  }
  kafka::PartitionOffsets earliest_offsets(const std::string& topic) override {
    std::lock_guard lock(mutex_);
    enter("earliest_offsets");
    kafka::PartitionOffsets out;
    for (const auto& [p, end] : existing(topic).end) out[p] = 0;
    return out;
  }
  kafka::PartitionOffsets offsets_for_time(const std::string& topic, int64_t) override {
    std::lock_guard lock(mutex_);
    enter("offsets_for_time");
    kafka::PartitionOffsets out;
    for (const auto& [p, end] : existing(topic).end) out[p] = 0;
    return out;
  }
  kafka::PartitionOffsets start_offsets(const std::string& topic, const kafka::StartFrom& start) override {
    std::lock_guard lock(mutex_);
    enter("start_offsets");
    kafka::PartitionOffsets out;
    for (const auto& [p, end] : existing(topic).end) out[p] = start.kind == kafka::StartFrom::Kind::Latest ? end : 0;
    return out;
  }
  std::vector<kafka::GroupLag> lag(const std::string& topic, const std::vector<kafka::GroupLagQuery>& queries) override {
    std::lock_guard lock(mutex_);
    enter("lag");
    std::vector<kafka::GroupLag> out;
    for (const auto& q : queries) out.push_back(group_lag({q.group, {{topic, q.start_offsets}}}));
    return out;
  }
  std::vector<kafka::GroupLag> lag_batch(const std::vector<kafka::LagQuery>& queries) override {
    std::lock_guard lock(mutex_);
    enter("lag_batch");
    std::vector<kafka::GroupLag> out;
    for (const auto& q : queries) out.push_back(group_lag(q));
    return out;
  }
  void create_topic(const kafka::TopicSpec& spec) override {
    std::lock_guard lock(mutex_);
    enter("create_topic");
    const auto it = topics_.find(spec.name);
    if (it != topics_.end()) {
      if (it->second.spec.partitions != spec.partitions || it->second.spec.configs != spec.configs) {
        throw kafka::KafkaError(kafka::KafkaErrorKind::TopicConflict, "topic " + spec.name + " exists with other settings");
      }
      return;
    }
    Topic t{spec, {}};
    for (int32_t p = 0; p < spec.partitions; ++p) t.end[p] = 0;
    topics_[spec.name] = t;
  }
  void delete_topic(const std::string& topic) override {
    std::lock_guard lock(mutex_);
    enter("delete_topic");
    topics_.erase(topic);
  }
  void delete_group(const std::string& group) override {
    std::lock_guard lock(mutex_);
    enter("delete_group");
    const auto it = groups_.find(group);
    if (it == groups_.end()) return;
    if (it->second.has_members) throw kafka::KafkaError(kafka::KafkaErrorKind::GroupNotEmpty, group + " has members");
    groups_.erase(it);
  }
  std::vector<std::string> list_groups(const std::string& prefix) override {
    std::lock_guard lock(mutex_);
    enter("list_groups");
    std::vector<std::string> out;
    for (const auto& [name, g] : groups_) {
      if (name.rfind(prefix, 0) == 0) out.push_back(name);
    }
    return out;
  }
  std::vector<std::string> list_topics(const std::string& prefix) override {
    std::lock_guard lock(mutex_);
    enter("list_topics");
    std::vector<std::string> out;
    for (const auto& [name, t] : topics_) {
      if (name.rfind(prefix, 0) == 0) out.push_back(name);
    }
    return out;
  }
  kafka::RetentionCheck retention_preflight(const std::string& topic, const kafka::StartFrom&) override {
    std::lock_guard lock(mutex_);
    enter("retention_preflight");
    existing(topic);
    if (retention_gap_.empty()) return {};
    return {false, {{0, 0, 100, -1}}, retention_gap_};
  }

 private:
  kafka::GroupLag group_lag(const kafka::LagQuery& q) {
    kafka::GroupLag g{q.group, 0, {}, std::nullopt};
    const auto group = groups_.find(q.group);
    for (const auto& topic : q.topics) {
      for (const auto& [p, end] : existing(topic.name).end) {
        kafka::PartitionLag pl{topic.name, p, -1, end, 0};
        if (group != groups_.end() && group->second.committed.count(topic.name) &&
            group->second.committed.at(topic.name).count(p)) {
          pl.committed = group->second.committed.at(topic.name).at(p);
        }
        const auto start = topic.start_offsets.count(p) ? topic.start_offsets.at(p) : 0;
        pl.lag = std::max<int64_t>(0, end - (pl.committed >= 0 ? pl.committed : start));
        g.total += pl.lag;
        g.partitions.push_back(pl);
      }
    }
    return g;
  }
  void enter(const std::string& operation) {
    ++calls_[operation];
    const auto it = failures_.find(operation);
    if (it == failures_.end()) return;
    const auto kind = it->second;
    failures_.erase(it);
    throw kafka::KafkaError(kind, "injected failure of " + operation);
  }
  Topic& existing(const std::string& topic) {
    const auto it = topics_.find(topic);
    if (it == topics_.end()) throw kafka::KafkaError(kafka::KafkaErrorKind::UnknownTopic, "no topic " + topic);
    return it->second;
  }

  mutable std::mutex mutex_;
  std::map<std::string, Topic> topics_;
  std::map<std::string, Group> groups_;
  std::string retention_gap_;
  std::map<std::string, kafka::KafkaErrorKind> failures_;
  std::map<std::string, int> calls_;
};

}  // namespace kappa::testing
