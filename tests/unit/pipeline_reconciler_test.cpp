// Each step of a Pipeline reconcile against the fake API and Kafka: the
// finalizer, a Reprocessing per template (superseding an older one), scaling
// in place, the Service's owner check and restore, retiring a standby
// version in order, deletion, and the status (compute_status) each leaves.
#include <gtest/gtest.h>

#include "controllers/pipeline_reconciler.h"
#include "support/controller_harness.h"

namespace kappa::testing {
namespace {

using kube::ApiErrorKind;
constexpr const char* kNs = ControllerHarness::kNs;

class PipelineReconcilerTest : public ::testing::Test {
 protected:
  kube::Result reconcile() {
    h.client.sync();
    return reconciler.reconcile("team/stats");
  }
  json status() const { return h.pipeline("stats").value("status", json::object()); }
  std::string condition(const std::string& type, std::string* reason = nullptr) const {
    const auto c = api::find_condition(status().value("conditions", json::array()), type);
    if (!c) return "";
    if (reason) *reason = c->value("reason", "");
    return c->value("status", "");
  }
  std::string reason_of(const std::string& type) const {
    std::string r;
    condition(type, &r);
    return r;
  }
  std::vector<json> reprocessings() const { return h.client.stored_all(api::kReprocessings, kNs); }
  std::string desired_hash() const {
    const auto s = h.spec("stats");
    return api::template_hash(s.processor, s);
  }
  void patch_spec(const json& spec) {
    h.client.patch(api::kPipelines, kNs, "stats", kube::PatchType::Merge, {{"spec", spec}}, {});
  }
  // v1 serving (template of the manifest), as after a first rollout.
  void serve_v1(const json& rollout = json::object()) {
    h.seed_pipeline(ControllerHarness::pipeline_manifest("stats", rollout));
    h.seed_version("stats", 1);
    h.seed_service("stats", 1);
  }

  ControllerHarness h;
  controllers::PipelineReconciler reconciler{h.context()};
};

TEST_F(PipelineReconcilerTest, ANewPipelineGetsItsFinalizerAndAReprocessingForItsTemplate) {
  h.client.seed(api::kPipelines, ControllerHarness::pipeline_manifest("stats"));
  reconcile();
  const json p = h.pipeline("stats");
  EXPECT_EQ(p["metadata"]["finalizers"], json::array({api::kFinalizer}));
  ASSERT_EQ(reprocessings().size(), 1u);
  const json rp = reprocessings()[0];
  EXPECT_EQ(rp["metadata"]["name"], "stats-" + desired_hash());
  EXPECT_TRUE(api::is_controlled_by(rp, p));
  EXPECT_EQ(rp["metadata"]["labels"][api::kLabelTemplateHash], desired_hash());
  EXPECT_EQ(rp["spec"]["processor"], p["spec"]["processor"]) << "the template is copied at this moment";
  EXPECT_EQ(rp["metadata"]["finalizers"], json::array({api::kFinalizer})) << "born with it: no request to add it";
  EXPECT_EQ(h.events("ReprocessingCreated"), 1);
  EXPECT_EQ(condition("Serving"), "False");
  EXPECT_EQ(reason_of("Reconciling"), "RolloutPending");
  EXPECT_EQ(condition("Ready"), "False");
  EXPECT_EQ(status()["observedGeneration"], 1);
}

// Our own create is not in the cache yet: the next pass must not make a
// second Reprocessing (AlreadyExists is "already done").
TEST_F(PipelineReconcilerTest, AStaleReprocessingCacheMakesNoSecondReprocessing) {
  h.seed_pipeline(ControllerHarness::pipeline_manifest("stats"));
  reconcile();
  h.client.sync(api::kPipelines);
  reconciler.reconcile("team/stats");  // reprocessings cache not synced
  EXPECT_EQ(reprocessings().size(), 1u);
  EXPECT_EQ(h.events("ReprocessingCreated"), 1);
}

TEST_F(PipelineReconcilerTest, AnUpToDateActiveVersionIsReadyAndIdle) {
  serve_v1();
  reconcile();
  EXPECT_TRUE(reprocessings().empty());
  EXPECT_EQ(reason_of("Ready"), "RolloutComplete");
  EXPECT_EQ(reason_of("Serving"), "ActiveVersionServing");
  EXPECT_EQ(reason_of("Reconciling"), "Idle");
  EXPECT_EQ(condition("Stalled"), "False");
  EXPECT_EQ(status()["activeVersion"], 1);
  ASSERT_EQ(status()["versions"].size(), 1u);
  EXPECT_EQ(status()["versions"][0]["state"], "Active");
}

TEST_F(PipelineReconcilerTest, AReplicasOnlyChangeScalesTheActiveVersionInPlace) {
  serve_v1();
  patch_spec({{"processor", {{"replicas", 3}}}});
  reconcile();
  EXPECT_EQ(h.client.stored(kube::resources::kDeployments, kNs, "stats-v1")->at("spec")["replicas"], 3);
  EXPECT_TRUE(reprocessings().empty()) << "replicas are not part of the template";
  EXPECT_EQ(h.events("Scaled"), 1);
}

TEST_F(PipelineReconcilerTest, ATemplateChangeStartsAVersionBesideTheActiveOneAndSupersedesTheOlderCandidate) {
  serve_v1();
  const json p = h.pipeline("stats");
  h.client.seed(api::kReprocessings,
                {{"apiVersion", api::kApiVersion}, {"kind", "Reprocessing"},
                 {"metadata", {{"name", "stats-old"}, {"namespace", kNs},
                               {"labels", {{api::kLabelPipeline, "stats"}, {api::kLabelTemplateHash, "0000000000"}}},
                               {"ownerReferences", json::array({api::controller_reference(p)})}}},
                 {"spec", {{"pipelineRef", {{"name", "stats"}}}}},
                 {"status", {{"phase", "CatchingUp"}, {"version", 2}}}});
  patch_spec({{"processor", {{"image", "proc:2"}}}});
  reconcile();
  const auto old = h.client.stored(api::kReprocessings, kNs, "stats-old");
  EXPECT_EQ(old->at("spec").value("abort", false), true);
  EXPECT_EQ(old->at("metadata")["annotations"]["kappa.dev/superseded-by"], desired_hash());
  EXPECT_TRUE(h.client.stored(api::kReprocessings, kNs, "stats-" + desired_hash()));
  EXPECT_EQ(h.events("Superseded"), 1);
  EXPECT_EQ(h.service_version("stats"), 1) << "serving is untouched";
  EXPECT_EQ(condition("Ready"), "False") << "a candidate is in flight";
  EXPECT_EQ(condition("Reconciling"), "True");
}

TEST_F(PipelineReconcilerTest, AFailedRolloutOfTheTemplateStallsWithItsReasonAndIsNotRetried) {
  serve_v1();
  patch_spec({{"processor", {{"image", "proc:2"}}}});
  h.client.seed(api::kReprocessings,
                {{"apiVersion", api::kApiVersion}, {"kind", "Reprocessing"},
                 {"metadata", {{"name", "stats-" + desired_hash()}, {"namespace", kNs},
                               {"labels", {{api::kLabelPipeline, "stats"}, {api::kLabelTemplateHash, desired_hash()}}}}},
                 {"spec", {{"pipelineRef", {{"name", "stats"}}}}},
                 {"status", {{"phase", "Failed"},
                             {"conditions", json::array({{{"type", "Stalled"}, {"status", "True"},
                                                          {"reason", "RetentionInsufficient"}, {"message", "gone"}}})}}}});
  reconcile();
  EXPECT_EQ(reprocessings().size(), 1u);
  EXPECT_EQ(reason_of("Stalled"), "RetentionInsufficient");
  EXPECT_EQ(condition("Ready"), "False");
  EXPECT_EQ(h.service_version("stats"), 1);
}

TEST_F(PipelineReconcilerTest, APausedPipelineRollsNothingOut) {
  serve_v1();
  patch_spec({{"processor", {{"image", "proc:2"}}}, {"paused", true}});
  reconcile();
  EXPECT_TRUE(reprocessings().empty());
  EXPECT_EQ(reason_of("Reconciling"), "Paused");
  EXPECT_EQ(reason_of("Ready"), "TemplateNotRolledOut");
}

TEST_F(PipelineReconcilerTest, AServiceItDoesNotOwnIsNeverWritten) {
  h.seed_pipeline(ControllerHarness::pipeline_manifest("stats"));
  const json foreign = h.client.seed(kube::resources::kServices,
                                     {{"metadata", {{"name", "stats"}, {"namespace", kNs}}},
                                      {"spec", {{"selector", {{"app", "other"}}}}}});
  const auto result = reconcile();
  EXPECT_EQ(h.client.stored(kube::resources::kServices, kNs, "stats"), foreign);
  EXPECT_EQ(reason_of("Stalled"), "ServiceNotOwned");
  EXPECT_EQ(reason_of("Serving"), "ServiceNotOwned");
  EXPECT_TRUE(reprocessings().empty());
  EXPECT_TRUE(result.requeue_after.has_value());
}

TEST_F(PipelineReconcilerTest, ADeletedServiceComesBackSelectingTheLastActiveVersion) {
  serve_v1();
  reconcile();
  h.client.remove(kube::resources::kServices, kNs, "stats", {});
  reconcile();
  EXPECT_EQ(h.service_version("stats"), 1);
  EXPECT_EQ(h.events("ServiceRestored"), 1);
  EXPECT_EQ(reason_of("Ready"), "RolloutComplete");
}

// While its namespace is deleted, the Service goes before the Pipeline is
// marked deleted. Recreating it is refused (403, NamespaceTerminating):
// that is no stall of the spec and no reason to try again (the scale
// benchmark saw a thousand Pipelines retry it, each writing a Stalled
// InvalidSpec condition); the Pipeline's own deletion comes next.
TEST_F(PipelineReconcilerTest, ARefusalBecauseTheNamespaceIsTerminatingIsNoStallAndNotRetried) {
  serve_v1();
  reconcile();
  h.client.remove(kube::resources::kServices, kNs, "stats", {});
  h.client.fail_nth(Verb::Create, kube::resources::kServices, 1, namespace_terminating_refusal("services \"stats\""));
  const auto result = reconcile();
  EXPECT_EQ(result.requeue_after, std::nullopt) << "its deletion brings it back";
  EXPECT_NE(condition("Stalled"), "True");
  EXPECT_EQ(h.client.count(Verb::Create, &kube::resources::kServices), 1);
}

// One refusal stands for the namespace: while it is deleted, its objects
// lose their children one kind at a time, and each pass would try to make
// them again (four refused creates per Pipeline at 1,000 Pipelines). Passes
// wait out a hold instead, and a Pipeline being deleted still finalizes.
TEST_F(PipelineReconcilerTest, AfterANamespaceTerminatingRefusalPassesInThatNamespaceWaitButFinalizersRun) {
  serve_v1();
  reconcile();
  h.client.remove(kube::resources::kServices, kNs, "stats", {});
  h.client.fail_nth(Verb::Create, kube::resources::kServices, 1, namespace_terminating_refusal("services \"stats\""));
  reconcile();
  const auto held = reconcile();
  EXPECT_EQ(h.client.count(Verb::Create, &kube::resources::kServices), 1) << "refused again within the hold";
  ASSERT_TRUE(held.requeue_after.has_value()) << "a skipped pass must come back: the namespace may be made anew";
  EXPECT_LE(*held.requeue_after, std::chrono::seconds(30));

  h.advance(std::chrono::seconds(30));
  reconcile();
  EXPECT_EQ(h.client.count(Verb::Create, &kube::resources::kServices), 2) << "after the hold it looks again";
  EXPECT_EQ(h.service_version("stats"), 1);

  h.context().terminating->refused(kNs, h.context().clock->now());
  h.kafka().set_members("kappa.team.stats.v1", false);
  h.client.remove(api::kPipelines, kNs, "stats", {});
  reconcile();
  reconcile();
  EXPECT_FALSE(h.client.stored(api::kPipelines, kNs, "stats")) << "a deleting Pipeline's finalizer waited";
}

// docs/design.md, invariant 4: a standby version goes only retireAfter after
// it became standby, Deployment first, then its group, then its table.
TEST_F(PipelineReconcilerTest, AStandbyVersionIsRetiredAfterRetireAfterInOrder) {
  h.seed_pipeline(ControllerHarness::pipeline_manifest("stats", {{"retireAfter", "60s"}}));
  json v1_template = h.spec("stats").processor;
  v1_template["image"] = "proc:0";
  h.seed_version("stats", 1, v1_template);
  h.seed_version("stats", 2);
  h.seed_service("stats", 2, 1);
  reconcile();
  EXPECT_FALSE(h.annotation(kube::resources::kDeployments, "stats-v1", api::kAnnotationStandbySince).empty());
  EXPECT_EQ(status()["versions"][0]["state"], "Standby");
  EXPECT_EQ(status()["versions"][1]["state"], "Active");

  h.advance(std::chrono::seconds(30));
  reconcile();
  EXPECT_TRUE(h.client.stored(kube::resources::kDeployments, kNs, "stats-v1")) << "retired before retireAfter";

  h.advance(std::chrono::seconds(31));
  reconcile();
  EXPECT_FALSE(h.client.stored(kube::resources::kDeployments, kNs, "stats-v1"));
  EXPECT_TRUE(h.kafka().has_group("kappa.team.stats.v1")) << "the group waits for the pods to be gone";
  EXPECT_TRUE(h.kafka().has_topic("team.stats.v1"));

  reconcile();  // the group still has members (pods shutting down)
  EXPECT_TRUE(h.kafka().has_group("kappa.team.stats.v1"));
  h.kafka().set_members("kappa.team.stats.v1", false);
  reconcile();
  EXPECT_FALSE(h.kafka().has_group("kappa.team.stats.v1"));
  EXPECT_FALSE(h.kafka().has_topic("team.stats.v1")) << "keepRetiredTables is 0";
  EXPECT_TRUE(h.kafka().has_topic("team.stats.v2"));
  EXPECT_EQ(h.events("Retired"), 1);
  const json versions = status()["versions"];
  ASSERT_EQ(versions.size(), 2u);
  EXPECT_EQ(versions[1]["version"], 1);
  EXPECT_EQ(versions[1]["state"], "Retired");
}

TEST_F(PipelineReconcilerTest, DeletionRemovesEveryVersionGroupTableAndTheServiceThenTheFinalizer) {
  serve_v1();
  h.kafka().set_members("kappa.team.stats.v1", false);
  h.client.remove(api::kPipelines, kNs, "stats", {});
  reconcile();  // the Deployment goes first
  EXPECT_FALSE(h.client.stored(kube::resources::kDeployments, kNs, "stats-v1"));
  ASSERT_TRUE(h.client.stored(api::kPipelines, kNs, "stats"));
  reconcile();
  EXPECT_FALSE(h.kafka().has_group("kappa.team.stats.v1"));
  EXPECT_FALSE(h.kafka().has_topic("team.stats.v1"));
  EXPECT_FALSE(h.client.stored(kube::resources::kServices, kNs, "stats"));
  EXPECT_FALSE(h.client.stored(api::kPipelines, kNs, "stats")) << "the finalizer was removed";
  const auto lines = h.metrics().lines();
  EXPECT_NE(std::find(lines.begin(), lines.end(), "pipeline_gone team/stats"), lines.end());
  EXPECT_EQ(h.context().kafka.size(), 0u) << "its Kafka client outlived the Pipeline";
}

// Wrong credentials from the start: nothing was made in Kafka, so deleting
// the Pipeline needs no Kafka call (one would fail and block the finalizer).
TEST_F(PipelineReconcilerTest, APipelineThatNeverMadeAnythingIsDeletedWithoutKafka) {
  h.seed_pipeline(ControllerHarness::pipeline_manifest("stats"));
  h.client.remove(api::kPipelines, kNs, "stats", {});
  h.kafka().fail_next("partition_count", kafka::KafkaErrorKind::AuthenticationFailed);
  reconcile();
  EXPECT_FALSE(h.client.stored(api::kPipelines, kNs, "stats")) << "the finalizer was not removed";
  EXPECT_EQ(h.kafka().calls("partition_count"), 0);
}

TEST_F(PipelineReconcilerTest, ABadDurationStallsWithInvalidSpecAndTheActiveVersionKeepsServing) {
  serve_v1();
  patch_spec({{"rollout", {{"stableFor", "soon"}}}});
  reconcile();
  EXPECT_EQ(reason_of("Stalled"), "InvalidSpec");
  EXPECT_EQ(condition("Ready"), "False");
  EXPECT_EQ(h.service_version("stats"), 1);
}

// At rest the Pipeline needs no Kafka call; when it does (here: a retired
// version's group to delete), an unreachable Kafka is reported and retried.
TEST_F(PipelineReconcilerTest, AnUnreachableKafkaStallsAndComesBackLater) {
  h.seed_pipeline(ControllerHarness::pipeline_manifest("stats"));
  h.seed_version("stats", 1);
  h.seed_version("stats", 2);
  h.seed_service("stats", 2);
  h.client.remove(kube::resources::kDeployments, kNs, "stats-v1", {});  // retired, its group not yet deleted
  h.kafka().set_members("kappa.team.stats.v1", false);
  h.kafka().fail_next("delete_group", kafka::KafkaErrorKind::Timeout);
  const auto result = reconcile();
  EXPECT_EQ(reason_of("Stalled"), "KafkaUnreachable");
  EXPECT_EQ(result.requeue_after, h.context().options.retry_interval);
  reconcile();
  EXPECT_EQ(condition("Stalled"), "False");
}

// compute_status: what the Pipeline says about the candidate it is building.
TEST_F(PipelineReconcilerTest, TheStatusSummarisesTheCandidate) {
  const struct {
    json candidate_status;
    std::string reconciling, stalled, ready;
  } cases[] = {
      {{{"phase", "Provisioning"}, {"version", 2}}, "True/Provisioning", "False/Progressing", "False/Provisioning"},
      {{{"phase", "CatchingUp"}, {"version", 2}, {"lag", 40}, {"progressPercent", 60}, {"etaSeconds", 90}},
       "True/CatchingUp", "False/Progressing", "False/CatchingUp"},
      {{{"phase", "Promotable"}, {"version", 2}}, "True/AwaitingPromotion", "False/Progressing",
       "False/AwaitingPromotion"},
      {{{"phase", "CatchingUp"}, {"version", 2},
        {"conditions", json::array({{{"type", "Stalled"}, {"status", "True"}, {"reason", "CandidateCrashLooping"},
                                     {"message", "pod x: CrashLoopBackOff"}}})}},
       "True/CatchingUp", "True/CandidateCrashLooping", "False/CandidateCrashLooping"},
      {{{"phase", "Pending"}}, "True/RolloutPending", "False/Progressing", "False/RolloutPending"},
  };
  for (const auto& c : cases) {
    ControllerHarness world;
    world.seed_pipeline(ControllerHarness::pipeline_manifest("stats"));
    world.seed_version("stats", 1);
    world.seed_service("stats", 1);
    world.client.seed(api::kReprocessings,
                      {{"apiVersion", api::kApiVersion}, {"kind", "Reprocessing"},
                       {"metadata", {{"name", "stats-next"}, {"namespace", kNs}}},
                       {"spec", {{"pipelineRef", {{"name", "stats"}}}}},
                       {"status", c.candidate_status}});
    world.client.sync();
    controllers::PipelineReconciler r(world.context());
    r.reconcile("team/stats");
    const json st = world.pipeline("stats")["status"];
    const auto of = [&](const char* type) {
      const auto found = api::find_condition(st["conditions"], type);
      return found ? found->value("status", "") + "/" + found->value("reason", "") : "";
    };
    EXPECT_EQ(of("Reconciling"), c.reconciling) << c.candidate_status;
    EXPECT_EQ(of("Stalled"), c.stalled) << c.candidate_status;
    EXPECT_EQ(of("Ready"), c.ready) << c.candidate_status;
    EXPECT_EQ(of("Serving"), "True/ActiveVersionServing");
    if (c.candidate_status.contains("version")) {
      EXPECT_EQ(st["candidateVersion"], 2);
    } else {
      EXPECT_FALSE(st.contains("candidateVersion"));
    }
  }
}

TEST_F(PipelineReconcilerTest, TheCandidateColumnsShowLagProgressAndEta) {
  serve_v1();
  h.client.seed(api::kReprocessings,
                {{"apiVersion", api::kApiVersion}, {"kind", "Reprocessing"},
                 {"metadata", {{"name", "stats-next"}, {"namespace", kNs}}},
                 {"spec", {{"pipelineRef", {{"name", "stats"}}}}},
                 {"status", {{"phase", "CatchingUp"}, {"version", 2}, {"lag", 40}, {"progressPercent", 60},
                             {"etaSeconds", 90}}}});
  reconcile();
  EXPECT_EQ(status()["candidateLag"], 40);
  EXPECT_EQ(status()["candidateProgress"], "60%");
  EXPECT_EQ(status()["candidateETA"], "1m30s");
  const auto c = api::find_condition(status()["conditions"], "Reconciling");
  EXPECT_EQ(c->value("message", ""), "v2 catching up: lag 40, 60%, ETA 1m30s");
}

}  // namespace
}  // namespace kappa::testing
