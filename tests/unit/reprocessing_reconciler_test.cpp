// Each step of a Reprocessing reconcile against the fake API and Kafka:
// allocate, provision (preflight, tables, Deployment), measure and gate
// (lag, readiness, stableFor, pod trouble, manual promotion), switch, abort
// and deletion, and the crash window between the Deployment and the status.
#include <gtest/gtest.h>

#include <map>

#include "controllers/reprocessing_reconciler.h"
#include "support/controller_harness.h"

namespace kappa::testing {
namespace {

constexpr const char* kNs = ControllerHarness::kNs;
constexpr const char* kKey = "team/stats-next";

class ReprocessingReconcilerTest : public ::testing::Test {
 protected:
  // v1 serves; a Reprocessing builds the next version of a new template.
  void SetUp() override { start(json::object()); }
  void start(const json& rollout) {
    h.seed_pipeline(ControllerHarness::pipeline_manifest("stats", rollout));
    json v1_template = h.spec("stats").processor;
    v1_template["image"] = "proc:0";
    h.seed_version("stats", 1, v1_template);
    h.seed_service("stats", 1);
    h.client.seed(api::kReprocessings,
                  {{"apiVersion", api::kApiVersion}, {"kind", "Reprocessing"},
                   {"metadata", {{"name", "stats-next"}, {"namespace", kNs}}},
                   {"spec", {{"pipelineRef", {{"name", "stats"}}}}}});
  }
  // As in the operator: a lag round ran since the last reconcile, and one
  // that measures a version seen for the first time wakes it at once.
  kube::Result reconcile() {
    h.client.sync();
    auto& poller = *h.context().lag_poller;
    poller.poll_round();
    const auto watched = poller.watched();
    const auto result = reconciler.reconcile(kKey);
    if (poller.watched() <= watched) return result;
    h.client.sync();
    poller.poll_round();
    return reconciler.reconcile(kKey);
  }
  json rp() const { return *h.client.stored(api::kReprocessings, kNs, "stats-next"); }
  json status() const { return rp().value("status", json::object()); }
  std::string phase() const { return status().value("phase", ""); }
  std::string reason_of(const std::string& type) const {
    const auto c = api::find_condition(status().value("conditions", json::array()), type);
    return c ? c->value("status", "") + "/" + c->value("reason", "") : "";
  }
  std::optional<json> deployment(int64_t v) const {
    return h.client.stored(kube::resources::kDeployments, kNs, "stats-v" + std::to_string(v));
  }
  void make_ready(int64_t v) {
    json d = *deployment(v);
    const int replicas = d["spec"].value("replicas", 1);
    d["status"] = {{"replicas", replicas}, {"updatedReplicas", replicas}, {"readyReplicas", replicas}};
    h.client.update_status(kube::resources::kDeployments, d);
  }
  // Provisioned v2 whose group has consumed everything, replicas Ready.
  void caught_up_v2() {
    reconcile();
    ASSERT_EQ(phase(), "CatchingUp");
    make_ready(2);
    h.kafka().commit("kappa.team.stats.v2", ControllerHarness::kInput, 100);
  }

  ControllerHarness h;
  controllers::ReprocessingReconciler reconciler{h.context()};
};

TEST_F(ReprocessingReconcilerTest, AllocatesTheNextVersionAndProvisionsItsTablesAndDeployment) {
  const auto result = reconcile();
  EXPECT_EQ(status()["version"], 2) << "above everything that already carries a number";
  EXPECT_EQ(h.pipeline("stats")["status"]["nextVersion"], 3);
  EXPECT_EQ(rp()["metadata"]["labels"][api::kLabelVersion], "2");
  EXPECT_EQ(rp()["metadata"]["finalizers"], json::array({api::kFinalizer}));
  EXPECT_EQ(status()["consumerGroup"], "kappa.team.stats.v2");
  EXPECT_EQ(status()["outputTopic"], "team.stats.v2");
  const auto table = h.kafka().topic("team.stats.v2");
  ASSERT_TRUE(table);
  EXPECT_EQ(table->partitions, 3);
  EXPECT_EQ(table->configs.at("cleanup.policy"), "compact");
  const auto changelog = h.kafka().topic("team.stats.v2.state");
  ASSERT_TRUE(changelog);
  EXPECT_EQ(changelog->partitions, 3) << "one changelog partition per input partition";
  ASSERT_TRUE(deployment(2));
  EXPECT_EQ((*deployment(2))["metadata"]["annotations"][api::kAnnotationStartOffsets], R"({"0":0,"1":0,"2":0})");
  EXPECT_EQ(status()["startLag"], 300);
  EXPECT_EQ(status()["lag"], 300);
  EXPECT_EQ(phase(), "CatchingUp");
  EXPECT_EQ(reason_of("CaughtUp"), "False/ReplicasNotReady");
  EXPECT_EQ(h.events("VersionCreated"), 1);
  EXPECT_EQ(result.requeue_after, h.context().options.lag_poll_interval * 3)
      << "the lag poller's rounds wake it; the requeue is a fallback";
  EXPECT_EQ(h.service_version("stats"), 1);
}

// The first pass of a version the Pipeline made is on the path from a
// template change to its Deployment: it asks the API server only what it
// cannot know. The Reprocessing comes with its finalizer, the counter and
// the record of Kafka names move in one write, and a number just handed out
// names no Deployment.
// A create refused because the namespace is being deleted is no stall, and
// further passes in that namespace wait out a hold rather than be refused
// again (the Pipeline reconciler's test covers the finalizer side).
TEST_F(ReprocessingReconcilerTest, ANamespaceTerminatingRefusalIsNoStallAndHoldsFurtherPasses) {
  h.client.fail_nth(Verb::Create, kube::resources::kDeployments, 1,
                    namespace_terminating_refusal("deployments.apps \"stats-v2\""));
  reconcile();
  EXPECT_EQ(reason_of("Stalled").rfind("True", 0), std::string::npos) << reason_of("Stalled");
  const int creates = h.client.count(Verb::Create, &kube::resources::kDeployments);
  const auto held = reconciler.reconcile(kKey);
  EXPECT_EQ(h.client.count(Verb::Create, &kube::resources::kDeployments), creates);
  ASSERT_TRUE(held.requeue_after.has_value());
  h.advance(std::chrono::seconds(30));
  reconcile();
  EXPECT_TRUE(deployment(2).has_value()) << "after the hold it provisions again";
}

TEST_F(ReprocessingReconcilerTest, ANewVersionsFirstPassReadsOnlyWhatItCannotKnow) {
  json made = rp();
  made["metadata"]["finalizers"] = json::array({api::kFinalizer});
  h.client.seed(api::kReprocessings, made);
  h.client.clear_calls();
  reconcile();
  ASSERT_TRUE(deployment(2));
  std::map<std::string, int> reads;
  int finalizer_patches = 0, guarded_status_writes = 0;
  for (const auto& call : h.client.calls()) {
    if (call.verb == Verb::Get) ++reads[call.resource];
    if (call.verb == Verb::Patch && call.body.contains("metadata") && call.body["metadata"].contains("finalizers")) {
      ++finalizer_patches;
    }
    if (call.verb == Verb::UpdateStatus) ++guarded_status_writes;
  }
  EXPECT_EQ(reads, (std::map<std::string, int>{{"reprocessings", 1}, {"pipelines", 1}}))
      << "the Reprocessing and its Pipeline, read fresh for the version number; no Deployment";
  EXPECT_EQ(finalizer_patches, 0);
  EXPECT_EQ(guarded_status_writes, 1) << "the counter with the record of Kafka names";
}

TEST_F(ReprocessingReconcilerTest, SwitchesOnlyAfterLagStaysWithinMaxLagForStableFor) {
  caught_up_v2();
  h.kafka().commit("kappa.team.stats.v2", ControllerHarness::kInput, 50);  // lag 150 > maxLag 10
  reconcile();
  EXPECT_EQ(reason_of("CaughtUp"), "False/CatchingUp");
  h.kafka().commit("kappa.team.stats.v2", ControllerHarness::kInput, 100);
  const auto wait = reconcile();
  EXPECT_EQ(reason_of("CaughtUp"), "False/Stabilizing");
  EXPECT_LE(*wait.requeue_after, std::chrono::seconds(10));
  EXPECT_EQ(h.service_version("stats"), 1);

  h.advance(std::chrono::seconds(11));
  reconcile();
  EXPECT_EQ(h.service_version("stats"), 2);
  EXPECT_EQ(h.annotation(kube::resources::kServices, "stats", api::kAnnotationPreviousVersion), "1");
  EXPECT_EQ(phase(), "Succeeded");
  EXPECT_EQ(reason_of("CaughtUp"), "True/LagWithinMaxLag");
  EXPECT_EQ(reason_of("Promoted"), "True/Switched");
  EXPECT_EQ(h.events("Switched"), 1);
  reconcile();
  EXPECT_EQ(h.events("Switched"), 1) << "a finished Reprocessing does nothing more";
}

// A thousand versions stabilising at once are each woken every lag round;
// a round that finds the same lag must cost no status write.
TEST_F(ReprocessingReconcilerTest, AStabilizingPassThatLearnsNothingNewWritesNoStatus) {
  caught_up_v2();
  reconcile();
  ASSERT_EQ(reason_of("CaughtUp"), "False/Stabilizing");
  h.client.clear_calls();
  h.advance(std::chrono::seconds(3));
  reconcile();
  EXPECT_EQ(reason_of("CaughtUp"), "False/Stabilizing");
  EXPECT_EQ(h.client.count(Verb::Patch, &api::kReprocessings), 0);
  EXPECT_EQ(h.client.count(Verb::UpdateStatus, &api::kReprocessings), 0);
}

// spec.input.keying Any: the version's repartition topic exists before its
// processor, and the version is caught up only when its group has consumed
// both the input and the repartition topic.
TEST_F(ReprocessingReconcilerTest, ARepartitioningVersionIsCaughtUpOnlyWhenBothStagesAre) {
  json pipeline = *h.client.stored(api::kPipelines, kNs, "stats");
  pipeline["spec"]["input"]["keying"] = "Any";
  h.client.seed(api::kPipelines, pipeline);
  reconcile();
  ASSERT_EQ(phase(), "CatchingUp");
  const auto repartition = h.kafka().topic("kappa.team.stats.v2-kappa-repartition");
  ASSERT_TRUE(repartition) << "made with the version's tables";
  EXPECT_EQ(repartition->partitions, 3) << "as many partitions as the input";
  EXPECT_EQ(repartition->configs.at("retention.ms"), "-1");
  const auto env = (*deployment(2))["spec"]["template"]["spec"]["containers"][0]["env"];
  EXPECT_NE(env.dump().find(R"({"name":"KAPPA_INPUT_KEYING","value":"Any"})"), std::string::npos);

  make_ready(2);
  h.kafka().commit("kappa.team.stats.v2", ControllerHarness::kInput, 100);  // the routing stage is done
  h.kafka().set_end("kappa.team.stats.v2-kappa-repartition", 100);          // what it routed, unfolded yet
  reconcile();
  EXPECT_EQ(status()["lag"], 300) << "the folding stage's lag counts";
  EXPECT_EQ(reason_of("CaughtUp"), "False/CatchingUp");
  h.kafka().commit("kappa.team.stats.v2", "kappa.team.stats.v2-kappa-repartition", 100);
  reconcile();
  EXPECT_EQ(status()["lag"], 0);
  EXPECT_EQ(reason_of("CaughtUp"), "False/Stabilizing");
}

TEST_F(ReprocessingReconcilerTest, FallingBehindWhileStabilizingRestartsTheWindow) {
  caught_up_v2();
  reconcile();
  h.advance(std::chrono::seconds(8));
  h.kafka().set_end(ControllerHarness::kInput, 200);  // lag 300
  reconcile();
  EXPECT_FALSE(status().contains("stableSince"));
  h.kafka().commit("kappa.team.stats.v2", ControllerHarness::kInput, 200);
  reconcile();
  h.advance(std::chrono::seconds(8));
  reconcile();
  EXPECT_EQ(h.service_version("stats"), 1) << "stable 8 s of a fresh window, not 16";
}

TEST_F(ReprocessingReconcilerTest, ManualPromotionWaitsForPromote) {
  h.client.patch(api::kReprocessings, kNs, "stats-next", kube::PatchType::Merge,
                 {{"spec", {{"promotion", "Manual"}}}}, {});
  caught_up_v2();
  reconcile();
  h.advance(std::chrono::seconds(11));
  reconcile();
  EXPECT_EQ(phase(), "Promotable");
  EXPECT_EQ(reason_of("Promoted"), "False/AwaitingPromotion");
  EXPECT_EQ(h.service_version("stats"), 1);
  h.client.patch(api::kReprocessings, kNs, "stats-next", kube::PatchType::Merge, {{"spec", {{"promote", true}}}}, {});
  reconcile();
  EXPECT_EQ(h.service_version("stats"), 2);
  EXPECT_EQ(phase(), "Succeeded");
}

TEST_F(ReprocessingReconcilerTest, ACrashLoopingCandidateStallsWithThePodsReason) {
  caught_up_v2();
  h.client.seed(kube::resources::kPods,
                {{"metadata", {{"name", "stats-v2-x"}, {"namespace", kNs},
                               {"labels", api::version_labels("stats", 2)}}},
                 {"status", {{"containerStatuses", json::array({{{"restartCount", 4},
                                                                 {"state", {{"waiting", {{"reason", "CrashLoopBackOff"}}}}}}})}}}});
  reconcile();
  EXPECT_EQ(reason_of("Stalled"), "True/CandidateCrashLooping");
  EXPECT_EQ(h.events("Stalled"), 1);
}

TEST_F(ReprocessingReconcilerTest, PodsAdmissionRefusesStallTheCandidate) {
  caught_up_v2();
  json d = *deployment(2);
  d["status"] = {{"replicas", 0},
                 {"conditions", json::array({{{"type", "ReplicaFailure"}, {"status", "True"},
                                              {"reason", "FailedCreate"},
                                              {"message", "pods is forbidden: violates PodSecurity restricted"}}})}};
  h.client.update_status(kube::resources::kDeployments, d);
  reconcile();
  EXPECT_EQ(reason_of("Stalled"), "True/PodsNotCreated");
  EXPECT_EQ(h.service_version("stats"), 1);
}

// A template the API server refuses (422 from its schema, 403 from a
// webhook) stalls with the server's words, and nothing is made in Kafka.
TEST_F(ReprocessingReconcilerTest, ARefusedDeploymentStallsBeforeAnyTableExists) {
  for (const auto kind : {kube::ApiErrorKind::Invalid, kube::ApiErrorKind::Forbidden}) {
    h.client.fail_nth(Verb::DryRunCreate, kube::resources::kDeployments, 1,
                      std::make_exception_ptr(
                          api_error(kind, "Deployment.apps \"stats-v2\" is invalid: spec.template...env[0].name")));
    reconcile();
    EXPECT_EQ(reason_of("Stalled"), "True/InvalidSpec") << kube::to_string(kind);
    const auto c = api::find_condition(status().value("conditions", json::array()), "Stalled");
    EXPECT_NE(c->value("message", "").find("env[0].name"), std::string::npos) << c->dump();
    EXPECT_FALSE(h.kafka().has_topic("team.stats.v2"));
    EXPECT_FALSE(deployment(2));
    EXPECT_EQ(h.service_version("stats"), 1);
  }
  reconcile();  // fixed (here: the refusal is gone): provisioning goes on
  EXPECT_TRUE(h.kafka().has_topic("team.stats.v2"));
  EXPECT_TRUE(deployment(2));
}

TEST_F(ReprocessingReconcilerTest, WhatCannotBeProvisionedStallsOrFailsWithAReason) {
  const struct {
    const char* what;
    std::function<void(ControllerHarness&)> arrange;
    std::string phase, stalled;
  } cases[] = {
      {"retention", [](ControllerHarness& h) { h.kafka().set_retention_insufficient("partition 0 lost 100 records"); },
       "Failed", "True/RetentionInsufficient"},
      {"input topic",
       [](ControllerHarness& h) {
         h.client.patch(api::kPipelines, kNs, "stats", kube::PatchType::Merge, {{"spec", {{"input", {{"topic", "nope"}}}}}}, {});
       },
       "Pending", "True/InputTopicMissing"},
      // (a table there before the allocation moves it on to the next number:
      // only one made after it, by someone else, can conflict)
      {"table made meanwhile with other settings",
       [](ControllerHarness& h) { h.kafka().fail_next("create_topic", kafka::KafkaErrorKind::TopicConflict); }, "Provisioning",
       "True/TopicConflict"},
      {"foreign Deployment",
       [](ControllerHarness& h) {
         h.client.seed(kube::resources::kDeployments, {{"metadata", {{"name", "stats-v1"}, {"namespace", kNs}}}, {"spec", json::object()}});
       },
       "Pending", "True/DeploymentConflict"},
      {"no Pipeline",
       [](ControllerHarness& h) {
         h.client.patch(api::kReprocessings, kNs, "stats-next", kube::PatchType::Merge,
                        {{"spec", {{"pipelineRef", {{"name", "nope"}}}}}}, {});
       },
       "Pending", "True/PipelineNotFound"},
  };
  for (const auto& c : cases) {
    ControllerHarness fresh;  // each case in a world of its own: no version serves, v1 is next
    fresh.seed_pipeline(ControllerHarness::pipeline_manifest("stats"));
    fresh.client.seed(api::kReprocessings,
                      {{"apiVersion", api::kApiVersion}, {"kind", "Reprocessing"},
                       {"metadata", {{"name", "stats-next"}, {"namespace", kNs}}},
                       {"spec", {{"pipelineRef", {{"name", "stats"}}}}}});
    c.arrange(fresh);
    controllers::ReprocessingReconciler r(fresh.context());
    fresh.client.sync();
    r.reconcile(kKey);
    const json s = fresh.client.stored(api::kReprocessings, kNs, "stats-next")->value("status", json::object());
    const auto stalled = api::find_condition(s.value("conditions", json::array()), "Stalled");
    EXPECT_EQ(s.value("phase", ""), c.phase) << c.what;
    EXPECT_EQ(stalled ? stalled->value("status", "") + "/" + stalled->value("reason", "") : "", c.stalled) << c.what;
    EXPECT_EQ(fresh.service_version("stats"), 0) << c.what << ": nothing serves, nothing was switched";
  }
}

TEST_F(ReprocessingReconcilerTest, AbortRemovesTheCandidateAndLeavesServingAlone) {
  reconcile();
  h.client.patch(api::kReprocessings, kNs, "stats-next", kube::PatchType::Merge, {{"spec", {{"abort", true}}}}, {});
  reconcile();
  EXPECT_FALSE(deployment(2)) << "the Deployment goes first";
  EXPECT_EQ(reason_of("Stalled"), "False/Aborting");
  reconcile();
  EXPECT_FALSE(h.kafka().has_topic("team.stats.v2"));
  EXPECT_FALSE(h.kafka().has_topic("team.stats.v2.state"));
  EXPECT_EQ(phase(), "Aborted");
  EXPECT_EQ(h.service_version("stats"), 1);
  EXPECT_TRUE(deployment(1));
}

// The lag poller measures a version until the reconciler forgets it. A
// Reprocessing that is simply gone (its finalizer removed by hand, say)
// must be forgotten too, or it is measured for 120 more rounds.
TEST_F(ReprocessingReconcilerTest, AVersionWhoseReprocessingIsGoneIsNoLongerMeasured) {
  reconcile();
  auto& poller = *h.context().lag_poller;
  ASSERT_EQ(poller.watched(), 1u);
  h.client.patch(api::kReprocessings, kNs, "stats-next", kube::PatchType::Merge,
                 {{"metadata", {{"finalizers", nullptr}}}}, {});
  h.client.remove(api::kReprocessings, kNs, "stats-next", {});
  ASSERT_FALSE(h.client.stored(api::kReprocessings, kNs, "stats-next"));
  h.client.sync();
  reconciler.reconcile(kKey);
  EXPECT_EQ(poller.watched(), 0u);
}

TEST_F(ReprocessingReconcilerTest, DeletingACandidateCleansItThenDropsTheFinalizer) {
  reconcile();
  h.client.remove(api::kReprocessings, kNs, "stats-next", {});
  reconcile();
  reconcile();
  EXPECT_FALSE(deployment(2));
  EXPECT_FALSE(h.kafka().has_topic("team.stats.v2"));
  EXPECT_FALSE(h.client.stored(api::kReprocessings, kNs, "stats-next"));
  EXPECT_TRUE(deployment(1));
}

// Crash window: the Deployment of v5 was created, then the process died
// before the status said v5 (and the status write was lost). The retry
// finds the number on the Deployment instead of allocating another.
TEST_F(ReprocessingReconcilerTest, AVersionWhoseStatusWasLostIsFoundOnItsDeployment) {
  const auto s = h.spec("stats");
  auto plan = controllers::plan_version(s, 5, "stats-next", s.processor, kafka::StartFrom::earliest());
  h.client.seed(kube::resources::kDeployments, controllers::build_version_deployment(s, h.pipeline("stats"), plan, {}));
  reconcile();
  EXPECT_EQ(status()["version"], 5);
  EXPECT_FALSE(h.pipeline("stats").value("status", json::object()).contains("nextVersion")) << "nothing allocated";
  EXPECT_EQ(h.events("VersionCreated"), 0) << "the Deployment exists already";
}

// Stale cache: the switch happened, but our cache has not seen the Service
// move. The version is re-measured, and the switch is a no-op PUT at most.
TEST_F(ReprocessingReconcilerTest, ASwitchSeenOnlyInTheServiceIsCompletedWithoutASecondSwitch) {
  caught_up_v2();
  reconcile();
  h.advance(std::chrono::seconds(11));
  h.client.fail_nth(Verb::Patch, api::kReprocessings, 2, kube::ApiErrorKind::ServerError);  // status after the switch
  EXPECT_THROW(reconcile(), kube::ApiError);
  EXPECT_EQ(h.service_version("stats"), 2);
  reconcile();
  EXPECT_EQ(phase(), "Succeeded");
  EXPECT_EQ(h.service_version("stats"), 2);
  EXPECT_EQ(h.annotation(kube::resources::kServices, "stats", api::kAnnotationPreviousVersion), "1");
}

}  // namespace
}  // namespace kappa::testing

namespace kappa::testing {
namespace {

// A Secret whose properties would act inside the operator (here: a shell
// command librdkafka runs) stalls the version as InvalidSpec naming the
// property, before any Kafka client, table or Deployment exists.
TEST_F(ReprocessingReconcilerTest, ASecretPropertyNoPipelineMaySetStallsAsInvalidSpecAndBuildsNothing) {
  h.client.seed(kube::resources::kSecrets,
                {{"apiVersion", "v1"},
                 {"kind", "Secret"},
                 {"metadata", {{"name", "kafka-client"}, {"namespace", kNs}}},
                 {"stringData", {{"sasl.username", "app"}, {"sasl.kerberos.kinit.cmd", "touch /tmp/pwned"}}}});
  json pipeline = h.pipeline("stats");
  pipeline["spec"]["kafka"]["secretRef"] = {{"name", "kafka-client"}};
  h.client.update(api::kPipelines, pipeline);
  reconcile();
  EXPECT_EQ(reason_of("Stalled"), "True/InvalidSpec");
  const auto stalled = api::find_condition(status().value("conditions", json::array()), "Stalled");
  ASSERT_TRUE(stalled);
  EXPECT_NE(stalled->value("message", "").find("'sasl.kerberos.kinit.cmd'"), std::string::npos)
      << stalled->value("message", "");
  EXPECT_EQ(stalled->value("message", "").find("/tmp/pwned"), std::string::npos) << "a Secret value leaked";
  EXPECT_FALSE(deployment(2));
  EXPECT_FALSE(h.kafka().topic("team.stats.v2"));
}

}  // namespace
}  // namespace kappa::testing
