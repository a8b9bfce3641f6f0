#pragma once
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "api/pipeline_spec.h"
#include "kafka/connection.h"
#include "kafka/kafka_admin.h"
#include "kube/kube_client.h"

namespace kappa::controllers {

// The Kafka cluster of one Pipeline as the controllers use it.
struct KafkaAccess {
  std::shared_ptr<kafka::KafkaAdmin> admin;
  // Property names from the Pipeline's secretRef, handed to processor pods
  // as KAFKA_PROP_* env from the Secret (values never pass through us).
  std::vector<std::string> secret_keys;
};

// One admin client per distinct connection (bootstrap servers + secret
// properties), shared by every reconcile that talks to that cluster: a
// librdkafka handle is costly to make and holds broker connections (and
// threads). A client lives while some Pipeline uses it: one whose Pipelines
// all moved to another connection (a Secret rotated) or were deleted is
// dropped, so rotations and churn do not pile up handles.
class KafkaAdminPool {
 public:
  using Factory = std::function<std::shared_ptr<kafka::KafkaAdmin>(const kafka::KafkaConnection&)>;

  KafkaAdminPool(kube::KubeClient& client, Factory factory, std::chrono::milliseconds timeout);

  // Throws kube::ApiError (NotFound) when the secretRef names no Secret,
  // kafka::PropertyRefused when it sets a property no Pipeline may set,
  // std::invalid_argument when a value in it is not base64, or
  // kafka::KafkaError when a new client's first call fails (a wrong
  // password: AuthenticationFailed).
  KafkaAccess access(const api::PipelineSpec& spec);

  // The Pipeline is gone: its client goes too unless another Pipeline uses it.
  void forget(const std::string& ns, const std::string& name);

  std::size_t size() const;  // clients alive, for tests and metrics

 private:
  struct Entry {
    std::shared_ptr<kafka::KafkaAdmin> admin;
    // Set once the broker answered this client (its credentials work).
    std::shared_ptr<std::atomic<bool>> answered = std::make_shared<std::atomic<bool>>(false);
    std::set<std::string> pipelines;  // namespace/name of its users
  };
  void release_locked(const std::string& pipeline);

  kube::KubeClient& client_;
  Factory factory_;
  std::chrono::milliseconds timeout_;
  mutable std::mutex mutex_;
  // The key holds secret values: it stays in memory, never in a log.
  std::map<std::string, Entry> admins_;
  std::map<std::string, std::string> key_of_pipeline_;
};

}  // namespace kappa::controllers
