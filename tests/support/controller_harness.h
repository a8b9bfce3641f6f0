#pragma once
// Everything a reconciler needs, faked: the Kubernetes API and its caches
// (FakeKubeClient), one Kafka cluster (FakeKafkaAdmin), Events recorded into
// the fake API, a fake steady clock and a settable wall clock. Builders make
// the objects a test starts from (a Pipeline, a version's Deployment, the
// serving Service, a Reprocessing) the way the operator would have made them.
#include <chrono>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "api/conditions.h"
#include "api/names.h"
#include "api/pipeline_spec.h"
#include "controllers/controller_context.h"
#include "controllers/owned_kafka.h"
#include "controllers/serving_service.h"
#include "controllers/version_deployment.h"
#include "controllers/watches.h"
#include "kube/event_recorder.h"
#include "support/fake_clock.h"
#include "support/fake_kafka_admin.h"
#include "support/fake_kube_client.h"
#include "support/recording_controller_metrics.h"

namespace kappa::testing {

using nlohmann::json;

class ControllerHarness {
 public:
  static constexpr const char* kNs = "team";
  static constexpr const char* kInput = "events";

  ControllerHarness()
      : clock_(std::make_shared<FakeClock>()),
        metrics_(std::make_shared<RecordingControllerMetrics>()),
        kafka_admin_(std::make_shared<FakeKafkaAdmin>()),
        events_(client, "kappa.dev/kappa-operator", "test", clock_),
        pool_(client, [admin = kafka_admin_](const kafka::KafkaConnection&) { return admin; },
              std::chrono::seconds(1)),
        context_{client,
                 {client.cache(api::kPipelines), client.cache(api::kReprocessings),
                  client.cache(kube::resources::kDeployments), client.cache(kube::resources::kServices),
                  client.cache(kube::resources::kPods), client.cache(kube::resources::kPodDisruptionBudgets),
                  client.cache(kube::resources::kJobs)},
                 pool_,
                 events_,
                 clock_,
                 [this] { return wall_; },
                 {},
                 metrics_} {
    kafka_admin_->add_topic(kInput, 3, 100);
    client.cache(api::kReprocessings).add_index(controllers::kByPipelineRef, controllers::pipeline_ref_index);
  }

  controllers::ControllerContext& context() { return context_; }
  FakeKafkaAdmin& kafka() { return *kafka_admin_; }
  RecordingControllerMetrics& metrics() { return *metrics_; }
  FakeClock& clock() { return *clock_; }
  std::chrono::system_clock::time_point wall() const { return wall_; }
  // Both clocks move together.
  void advance(std::chrono::milliseconds d) {
    wall_ += d;
    clock_->advance(d);
  }

  // --- objects ---
  static json pipeline_manifest(const std::string& name, const json& rollout = json::object()) {
    json r = {{"maxLag", 10}, {"stableFor", "10s"}, {"retireAfter", "60s"}, {"keepRetiredTables", 0}};
    r.update(rollout);
    return {{"apiVersion", api::kApiVersion},
            {"kind", "Pipeline"},
            {"metadata", {{"name", name}, {"namespace", kNs}}},
            {"spec",
             {{"kafka", {{"bootstrapServers", "kafka:9092"}}},
              {"input", {{"topic", kInput}}},
              {"processor", {{"image", "proc:1"}, {"replicas", 1}, {"config", {{"key", "user_id"}}}}},
              {"output", {{"partitions", 3}, {"replicationFactor", 1}}},
              {"serving", {{"serviceName", name}, {"port", 8080}}},
              {"rollout", r}}}};
  }
  // A Pipeline already carrying the operator's finalizer.
  json seed_pipeline(json manifest) {
    manifest["metadata"]["finalizers"] = json::array({api::kFinalizer});
    return client.seed(api::kPipelines, std::move(manifest));
  }
  json pipeline(const std::string& name) const { return *client.stored(api::kPipelines, kNs, name); }
  api::PipelineSpec spec(const std::string& name) const { return api::PipelineSpec::parse(pipeline(name)); }

  // Version N's Deployment with every replica Ready, as a rollout left it.
  json seed_version(const std::string& pipeline_name, int64_t version, const json& processor = nullptr) {
    const json owner = pipeline(pipeline_name);
    const auto s = api::PipelineSpec::parse(owner);
    const auto plan = controllers::plan_version(s, version, pipeline_name + "-r" + std::to_string(version),
                                                processor.is_null() ? s.processor : processor,
                                                kafka::StartFrom::earliest());
    json d = controllers::build_version_deployment(s, owner, plan, {});
    d["status"] = {{"replicas", s.replicas}, {"updatedReplicas", s.replicas}, {"readyReplicas", s.replicas},
                   {"observedGeneration", 1}};
    kafka_admin_->create_topic({plan.output_topic, s.output_partitions, 1, {{"cleanup.policy", "compact"}}});
    kafka_admin_->commit(plan.consumer_group, kInput, 100);
    json recorded = owner;  // the names went on the record before they were made
    auto& list = recorded["status"][controllers::kStatusOwnedKafka];
    if (!list.is_array()) list = json::array();
    list.push_back(controllers::OwnedKafka{version, plan.reprocessing, plan.consumer_group,
                                           {plan.output_topic, api::state_topic(plan.output_topic)}, ""}
                       .to_json());
    client.seed(api::kPipelines, recorded);
    return client.seed(kube::resources::kDeployments, d);
  }
  // The serving Service selecting `version`, remembering `previous`.
  json seed_service(const std::string& pipeline_name, int64_t version, std::optional<int64_t> previous = {}) {
    const json owner = pipeline(pipeline_name);
    json service = controllers::build_serving_service(api::PipelineSpec::parse(owner), owner, version,
                                                      "2026-01-01T00:00:00Z");
    if (previous) service["metadata"]["annotations"][api::kAnnotationPreviousVersion] = std::to_string(*previous);
    return client.seed(kube::resources::kServices, service);
  }
  int64_t service_version(const std::string& name) const {
    const auto s = client.stored(kube::resources::kServices, kNs, name);
    if (!s) return 0;
    return std::stoll((*s)["spec"]["selector"].value(api::kLabelVersion, "0"));
  }
  std::string annotation(const kube::Resource& r, const std::string& name, const std::string& key) const {
    const auto o = client.stored(r, kNs, name);
    return o ? (*o)["metadata"].value("annotations", json::object()).value(key, "") : "";
  }

  // Events recorded so far with this reason (repeats of a series counted).
  int events(const std::string& reason) {
    events_.flush();
    int n = 0;
    for (const auto& e : client.stored_all(kube::resources::kEvents, kNs)) {
      if (e.value("reason", "") == reason) n += e.value("series", json::object()).value("count", 1);
    }
    return n;
  }

  FakeKubeClient client;

 private:
  std::shared_ptr<FakeClock> clock_;
  std::shared_ptr<RecordingControllerMetrics> metrics_;
  std::shared_ptr<FakeKafkaAdmin> kafka_admin_;
  std::chrono::system_clock::time_point wall_{std::chrono::hours(24 * 365 * 56)};
  kube::EventRecorder events_;
  controllers::KafkaAdminPool pool_;
  controllers::ControllerContext context_;
};

// The API server's refusal of a create in a namespace being deleted (403,
// cause NamespaceTerminating), for `what` ("services \"stats\"").
inline std::exception_ptr namespace_terminating_refusal(const std::string& what) {
  return std::make_exception_ptr(kube::ApiError(
      kube::ApiErrorKind::Forbidden, 403, "Forbidden",
      what + " is forbidden: unable to create new content in namespace team because it is being terminated",
      {{"metadata.namespace", "NamespaceTerminating", "namespace team is being terminated"}}, std::nullopt));
}

}  // namespace kappa::testing
