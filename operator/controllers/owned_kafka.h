#pragma once
// The record of the Kafka names a Pipeline's versions own, and the only way
// the operator deletes anything in Kafka (docs/design.md, invariant 9).
//
// Before a version's tables exist, its consumer group and topics are
// written to the Pipeline's status.ownedKafka, under a resourceVersion
// precondition. Retirement, garbage collection and deletion then delete
// names from this record only (never what a listing matches; the one
// exception is a Kafka Streams processor's internal topics, which go with
// their group: see delete_owned_group), and only names
// inside the Pipeline's own space ("<namespace>.[...]<pipeline>.v<N>[.state]",
// "kappa.<namespace>.<pipeline>.v<N>"): a record someone tampered with
// cannot reach another namespace's data.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kafka/kafka_admin.h"
#include "kube/kube_client.h"

namespace kappa::controllers {

inline constexpr const char* kStatusOwnedKafka = "ownedKafka";

struct OwnedKafka {
  int64_t version = 0;
  std::string reprocessing;         // the Reprocessing that made it ("" if adopted)
  std::string consumer_group;       // "" once deleted
  std::vector<std::string> topics;  // output table and state changelog (and the batch table's); empty once deleted
  std::string batch_group;          // a Lambda generation's batch run's group; "" for Kappa or once deleted

  // The groups on the entry, the stream layer's first.
  std::vector<std::string> groups() const;

  nlohmann::json to_json() const;
  static OwnedKafka from_json(const nlohmann::json& entry);
};

// The record as a Pipeline object carries it, by ascending version; nothing
// if the Pipeline has never had one (made by an operator before the record).
std::optional<std::vector<OwnedKafka>> owned_kafka(const nlohmann::json& pipeline);

// Adds `entry`'s names to the record in a Pipeline's status (merged into
// the version's entry when it has one); false when it holds them already.
bool add_owned_kafka(nlohmann::json& status, const OwnedKafka& entry);

// Write-ahead: makes sure the record holds `entry`'s names before they are
// created. No write when the (cached) Pipeline already records them. The
// guarded write starts from `pipeline`, which becomes the written object.
void record_owned_kafka(kube::KubeClient& client, nlohmann::json& pipeline, const OwnedKafka& entry);

// What to drop from a version's entry once deleted in Kafka.
enum class Forget { Group, Topics, All };  // Group: both groups of a Lambda generation
// Drops names from the record (an entry left with no names goes). Returns
// whether this call removed anything, so a pass on a stale cache that
// deletes again (a no-op in Kafka) does not report it twice.
bool forget_owned_kafka(kube::KubeClient& client, const std::string& ns, const std::string& pipeline,
                        int64_t version, Forget what);

// Adopts a Pipeline made before the record existed: its record is seeded
// once from what the operator already wrote down (each Reprocessing's
// status, each version Deployment's computed names). No write if it has one.
void adopt_owned_kafka(kube::KubeClient& client, const std::string& ns, const std::string& pipeline,
                       const std::vector<OwnedKafka>& known);

// Deletes a recorded group or topic of version N of the Pipeline, unless the
// name lies outside the Pipeline's space: then nothing is deleted and false
// is returned. Deleting what is already gone succeeds. A deleted group's
// Kafka Streams internal topics ("<group>-<store>-changelog", ...) go with it.
bool delete_owned_group(kafka::KafkaAdmin& admin, const std::string& ns, const std::string& pipeline,
                        int64_t version, const std::string& group);
// The topics of version N in one request; returns the names it refused
// (outside the Pipeline's space), which are not deleted.
std::vector<std::string> delete_owned_topics(kafka::KafkaAdmin& admin, const std::string& ns,
                                             const std::string& pipeline, int64_t version,
                                             const std::vector<std::string>& topics);

}  // namespace kappa::controllers
