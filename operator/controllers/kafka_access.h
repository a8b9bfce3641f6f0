#pragma once
#include <functional>
#include <map>
#include <memory>
#include <mutex>
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
// librdkafka handle is costly to make and holds broker connections.
class KafkaAdminPool {
 public:
  using Factory = std::function<std::shared_ptr<kafka::KafkaAdmin>(const kafka::KafkaConnection&)>;

  KafkaAdminPool(kube::KubeClient& client, Factory factory, std::chrono::milliseconds timeout);

  // Throws kube::ApiError (NotFound) when the secretRef names no Secret,
  // kafka::PropertyRefused when it sets a property no Pipeline may set, or
  // std::invalid_argument when a value in it is not base64.
  KafkaAccess access(const api::PipelineSpec& spec);

 private:
  kube::KubeClient& client_;
  Factory factory_;
  std::chrono::milliseconds timeout_;
  std::mutex mutex_;
  std::map<std::string, std::shared_ptr<kafka::KafkaAdmin>> admins_;
};

}  // namespace kappa::controllers
