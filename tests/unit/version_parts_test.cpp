// The pure pieces the reconcilers are built of: the status merge patch,
// readiness and pod trouble, the start offsets a Deployment carries, and
// the Deployment and Service of a version.
#include <gtest/gtest.h>

#include "controllers/processor_pod.h"
#include "controllers/status_patch.h"
#include "controllers/serving_service.h"
#include "controllers/version_deployment.h"
#include "controllers/version_state.h"
#include "support/controller_harness.h"

namespace kappa::testing {
namespace {

using namespace controllers;

TEST(StatusMergePatch, WritesWhatChangedAndNullsWhatWentAway) {
  const struct {
    json current, desired, patch;
  } cases[] = {
      {{{"a", 1}}, {{"a", 1}}, nullptr},
      {json::object(), {{"a", 1}}, {{"a", 1}}},
      {{{"a", 1}, {"b", 2}}, {{"a", 1}}, {{"a", 1}, {"b", nullptr}}},
      {{{"a", 1}}, {{"a", 2}, {"c", json::array({1})}}, {{"a", 2}, {"c", json::array({1})}}},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(status_merge_patch(c.current, c.desired), c.patch) << c.current << " -> " << c.desired;
    if (!c.patch.is_null()) {
      EXPECT_EQ(merge_patch(c.current, c.patch), c.desired);
    }
  }
}

TEST(WriteStatus, NoWriteWhenNothingChangedAndAGuardedWriteCarriesTheResourceVersion) {
  FakeKubeClient client;
  const auto& cm = kube::resources::kConfigMaps;
  json o = client.create(cm, "ns", {{"metadata", {{"name", "a"}}}});
  EXPECT_FALSE(write_status(client, cm, o, json::object()));
  const json stale = o;
  o = *write_status(client, cm, o, {{"x", 1}});
  EXPECT_EQ(o["status"]["x"], 1);
  EXPECT_TRUE(write_status(client, cm, stale, {{"y", 1}})) << "an unguarded write lands on a newer object";
  try {
    write_status(client, cm, stale, {{"z", 1}}, StatusWrite::Guarded);
    ADD_FAILURE() << "a guarded write from a stale copy was accepted";
  } catch (const kube::ApiError& e) {
    EXPECT_EQ(e.kind(), kube::ApiErrorKind::Conflict);
  }
}

json deployment(int wanted, int replicas, int updated, int ready) {
  return {{"spec", {{"replicas", wanted}}},
          {"status", {{"replicas", replicas}, {"updatedReplicas", updated}, {"readyReplicas", ready}}}};
}

TEST(AllReplicasReady, NeedsEveryCountAtTheWantedNumber) {
  EXPECT_TRUE(all_replicas_ready(deployment(2, 2, 2, 2)));
  EXPECT_FALSE(all_replicas_ready(deployment(2, 2, 2, 1)));
  EXPECT_FALSE(all_replicas_ready(deployment(2, 2, 1, 2)));
  EXPECT_FALSE(all_replicas_ready(deployment(2, 3, 2, 2))) << "an old pod is still there";
  EXPECT_FALSE(all_replicas_ready({{"spec", {{"replicas", 1}}}}));
  EXPECT_EQ(ready_replicas(deployment(2, 2, 2, 1)), 1);
}

json pod(const std::string& name, const std::string& waiting_reason, int restarts = 0) {
  return {{"metadata", {{"name", name}}},
          {"status",
           {{"containerStatuses",
             json::array({{{"restartCount", restarts},
                           {"state", {{"waiting", {{"reason", waiting_reason}, {"message", "detail"}}}}}}})}}}};
}

TEST(PodTrouble, NamesTheReasonOfAPodThatCannotRunByItself) {
  const struct {
    std::string waiting;
    std::optional<std::string> reason;
  } cases[] = {
      {"CrashLoopBackOff", "CandidateCrashLooping"}, {"ErrImagePull", "ImageUnavailable"},
      {"ImagePullBackOff", "ImageUnavailable"},      {"InvalidImageName", "ImageUnavailable"},
      {"CreateContainerConfigError", "PodConfigError"}, {"CreateContainerError", "PodConfigError"},
      {"ContainerCreating", std::nullopt},           {"", std::nullopt},
  };
  for (const auto& c : cases) {
    const auto trouble = pod_trouble({pod("p-1", c.waiting, 3)});
    ASSERT_EQ(trouble.has_value(), c.reason.has_value()) << c.waiting;
    if (!trouble) continue;
    EXPECT_EQ(trouble->reason, *c.reason);
    EXPECT_EQ(trouble->message, "pod p-1: " + c.waiting + ": detail (restarts: 3)");
  }
  EXPECT_FALSE(pod_trouble({}));
  EXPECT_FALSE(pod_trouble({{{"metadata", {{"name", "p"}}}}})) << "a pod with no status yet";
}

TEST(PodTrouble, SaysHowTheContainerLastEndedInItsOwnWords) {
  json crashing = pod("p-1", "CrashLoopBackOff", 4);
  auto& status = crashing["status"]["containerStatuses"][0];
  status["lastState"] = {{"terminated", {{"exitCode", 2}, {"message", "starting\nkappa-processor: configuration "
                                                                      "error: KAPPA_CONFIG.sql: line 2, column 13: "
                                                                      "JOIN is not supported\n"}}}};
  EXPECT_EQ(pod_trouble({crashing})->message,
            "pod p-1: CrashLoopBackOff: detail (restarts: 4); exit code 2: kappa-processor: configuration error: "
            "KAPPA_CONFIG.sql: line 2, column 13: JOIN is not supported");
  status["lastState"]["terminated"] = {{"exitCode", 1}, {"message", std::string(3000, 'x')}};
  EXPECT_EQ(pod_trouble({crashing})->message,
            "pod p-1: CrashLoopBackOff: detail (restarts: 4); exit code 1: " + std::string(1024, 'x') + "...");
  status["lastState"]["terminated"] = {{"exitCode", 137}};
  EXPECT_EQ(pod_trouble({crashing})->message, "pod p-1: CrashLoopBackOff: detail (restarts: 4); exit code 137");
}

TEST(VersionState, SelectedVersionAndStartOffsets) {
  EXPECT_EQ(selected_version({{"spec", {{"selector", {{api::kLabelVersion, "7"}}}}}}), 7);
  EXPECT_FALSE(selected_version({{"spec", {{"selector", json::object()}}}}));
  EXPECT_FALSE(selected_version({{"spec", {{"selector", {{api::kLabelVersion, "v7"}}}}}}));
  const json d = {{"metadata", {{"annotations", {{api::kAnnotationStartOffsets, R"({"0":5,"2":9})"}}}}}};
  EXPECT_EQ(start_offsets_of(d), (std::map<int32_t, int64_t>{{0, 5}, {2, 9}}));
  EXPECT_TRUE(start_offsets_of({{"metadata", {{"annotations", {{api::kAnnotationStartOffsets, "junk"}}}}}}).empty());
  EXPECT_TRUE(start_offsets_of({{"metadata", json::object()}}).empty());
}

// Someone edited the annotation: a bad one counts as absent (lag then counts
// uncommitted partitions from the log start), it never fails every reconcile.
TEST(VersionState, AnEditedStartOffsetsAnnotationCountsAsAbsent) {
  for (const char* edited : {R"({"zero":5})", R"({"0":5,"x":1})", R"({"99999999999":5})", R"({"-1":5})",
                             R"({"0":"5"})", R"({"0":5.5})"}) {
    const json d = {{"metadata", {{"annotations", {{api::kAnnotationStartOffsets, edited}}}}}};
    std::map<int32_t, int64_t> offsets;
    EXPECT_NO_THROW(offsets = start_offsets_of(d)) << edited;
    EXPECT_TRUE(offsets.empty()) << edited;
  }
}

class VersionDeploymentTest : public ::testing::Test {
 protected:
  json owner() {
    json p = ControllerHarness::pipeline_manifest("stats");
    p["metadata"]["uid"] = "pipe-uid";
    p["spec"]["kafka"]["secretRef"] = {{"name", "creds"}};
    p["spec"]["processor"]["replicas"] = 2;
    p["spec"]["processor"]["env"] = json::array({{{"name", "EXTRA"}, {"value", "x"}}});
    p["spec"]["processor"]["args"] = json::array({"--fast"});
    return p;
  }
  static std::map<std::string, json> env_of(const json& d) {
    std::map<std::string, json> out;
    for (const auto& e : d["spec"]["template"]["spec"]["containers"][0]["env"]) out[e["name"]] = e;
    return out;
  }
};

TEST_F(VersionDeploymentTest, CarriesTheProcessorContractLabelsAndOwner) {
  const json p = owner();
  const auto spec = api::PipelineSpec::parse(p);
  auto plan = plan_version(spec, 4, "stats-abc", spec.processor, kafka::StartFrom::timestamp(1234));
  plan.start_offsets = {{"0", 10}};
  const json d = build_version_deployment(spec, p, plan, {"sasl.mechanism"});

  EXPECT_EQ(d["metadata"]["name"], "stats-v4");
  EXPECT_EQ(d["metadata"]["namespace"], "team");
  const json labels = d["metadata"]["labels"];
  EXPECT_EQ(labels[api::kLabelPipeline], "stats");
  EXPECT_EQ(labels[api::kLabelVersion], "4");
  EXPECT_EQ(labels[api::kLabelReprocessing], "stats-abc");
  EXPECT_EQ(labels[api::kLabelTemplateHash], plan.template_hash);
  EXPECT_EQ(labels[api::kLabelManagedBy], api::kManagedBy);
  EXPECT_TRUE(api::is_controlled_by(d, p));
  EXPECT_EQ(d["metadata"]["annotations"][api::kAnnotationStartOffsets], R"({"0":10})");
  EXPECT_EQ(d["spec"]["replicas"], 2);
  EXPECT_EQ(d["spec"]["selector"]["matchLabels"], serving_selector("stats", 4));
  const json container = d["spec"]["template"]["spec"]["containers"][0];
  EXPECT_EQ(container["image"], "proc:1");
  EXPECT_EQ(container["args"], json::array({"--fast"}));
  EXPECT_EQ(container["readinessProbe"]["httpGet"]["path"], "/readyz");

  const auto env = env_of(d);
  const std::map<std::string, std::string> contract = {
      {"KAFKA_BOOTSTRAP_SERVERS", "kafka:9092"},   {"KAPPA_PIPELINE", "stats"},
      {"KAPPA_VERSION", "4"},                      {"KAPPA_INPUT_TOPIC", "events"},
      {"KAPPA_CONSUMER_GROUP", "kappa.team.stats.v4"}, {"KAPPA_OUTPUT_TOPIC", "team.stats.v4"},
      {"KAPPA_START_FROM", "1234"},                {"KAPPA_CONFIG", R"({"key":"user_id"})"},
      {"KAPPA_SERVING_PORT", "8080"},              {"EXTRA", "x"},
  };
  for (const auto& [name, value] : contract) {
    ASSERT_TRUE(env.count(name)) << name;
    EXPECT_EQ(env.at(name).value("value", ""), value) << name;
  }
  EXPECT_EQ(env.at("KAPPA_BIND_ADDRESS")["valueFrom"]["fieldRef"]["fieldPath"], "status.podIP");
  EXPECT_EQ(env.at("KAFKA_PROP_SASL_MECHANISM")["valueFrom"]["secretKeyRef"],
            (json{{"name", "creds"}, {"key", "sasl.mechanism"}}))
      << "secret values are referenced, never copied";
}

// Admitted by a namespace enforcing Pod Security "restricted", restarted
// when it stops answering, and given requests and a memory limit unless the
// template says otherwise.
TEST_F(VersionDeploymentTest, PodsAreRestrictedWithoutATokenProbedForLivenessAndSized) {
  const json p = owner();
  const auto spec = api::PipelineSpec::parse(p);
  const json d = build_version_deployment(spec, p, plan_version(spec, 1, "r", spec.processor, {}), {});
  const json pod = d["spec"]["template"]["spec"];
  EXPECT_EQ(pod["automountServiceAccountToken"], false);
  EXPECT_EQ(pod["securityContext"]["runAsNonRoot"], true);
  EXPECT_EQ(pod["securityContext"]["runAsUser"], 65532);
  EXPECT_EQ(pod["securityContext"]["seccompProfile"]["type"], "RuntimeDefault");
  const json c = pod["containers"][0];
  EXPECT_EQ(c["securityContext"]["allowPrivilegeEscalation"], false);
  EXPECT_EQ(c["securityContext"]["readOnlyRootFilesystem"], true);
  EXPECT_EQ(c["securityContext"]["capabilities"]["drop"], json::array({"ALL"}));
  EXPECT_EQ(c["livenessProbe"]["httpGet"]["path"], "/healthz");
  EXPECT_EQ(c["resources"]["requests"]["memory"], "256Mi");
  EXPECT_EQ(c["resources"]["limits"]["memory"], "2Gi");

  json custom = owner();
  custom["spec"]["processor"]["resources"] = {{"limits", {{"cpu", "2"}}}};
  custom["spec"]["processor"]["securityContext"] = {{"runAsUser", 1000}};
  const auto custom_spec = api::PipelineSpec::parse(custom);
  const json d2 = build_version_deployment(custom_spec, custom,
                                           plan_version(custom_spec, 1, "r", custom_spec.processor, {}), {});
  EXPECT_EQ(d2["spec"]["template"]["spec"]["containers"][0]["resources"], (json{{"limits", {{"cpu", "2"}}}}));
  EXPECT_EQ(d2["spec"]["template"]["spec"]["securityContext"]["runAsUser"], 1000);
  EXPECT_EQ(d2["spec"]["template"]["spec"]["securityContext"]["runAsNonRoot"], true) << "the rest stays";
}

TEST(ReplicaFailure, NamesWhatRefusedThePods) {
  json d = {{"metadata", {{"name", "stats-v2"}}}, {"status", {{"conditions", json::array()}}}};
  EXPECT_FALSE(replica_failure(d));
  d["status"]["conditions"].push_back({{"type", "ReplicaFailure"}, {"status", "True"}, {"reason", "FailedCreate"},
                                       {"message", "pods \"stats-v2-x\" is forbidden: violates PodSecurity"}});
  const auto failure = replica_failure(d);
  ASSERT_TRUE(failure);
  EXPECT_EQ(failure->reason, "PodsNotCreated");
  EXPECT_NE(failure->message.find("violates PodSecurity"), std::string::npos) << failure->message;
}

TEST_F(VersionDeploymentTest, ServingServiceSelectsOneVersionAndIsOwnedByThePipeline) {
  const json p = owner();
  const json s = build_serving_service(api::PipelineSpec::parse(p), p, 3, "2026-01-01T00:00:00Z");
  EXPECT_EQ(s["metadata"]["name"], "stats");
  EXPECT_EQ(s["spec"]["selector"], serving_selector("stats", 3));
  EXPECT_EQ(selected_version(s), 3);
  EXPECT_EQ(s["spec"]["ports"][0]["port"], 8080);
  EXPECT_TRUE(api::is_controlled_by(s, p));
  EXPECT_EQ(s["metadata"]["annotations"][api::kAnnotationSwitchedAt], "2026-01-01T00:00:00Z");
}

TEST(KafkaPropertyEnv, EscapesAsTheProcessorReadsIt) {
  EXPECT_EQ(kafka_property_env("sasl.mechanism"), "KAFKA_PROP_SASL_MECHANISM");
  EXPECT_EQ(kafka_property_env("ssl.ca_location"), "KAFKA_PROP_SSL_CA__LOCATION");
}

}  // namespace
}  // namespace kappa::testing
