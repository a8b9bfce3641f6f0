// The record of Kafka names (status.ownedKafka): a version's names go on it
// before they are created, and retirement, garbage collection and deletion
// delete what it names inside the Pipeline's own space, and nothing else:
// not a topic that merely matches the Pipeline's pattern, not a name someone
// wrote into the record that belongs to another namespace.
#include <gtest/gtest.h>

#include "controllers/owned_kafka.h"
#include "controllers/pipeline_reconciler.h"
#include "controllers/reprocessing_reconciler.h"
#include "support/controller_harness.h"

namespace kappa::testing {
namespace {

using controllers::OwnedKafka;
using kube::ApiErrorKind;
constexpr const char* kNs = ControllerHarness::kNs;

class OwnedKafkaTest : public ::testing::Test {
 protected:
  // v2 serves; nothing of v1 is live.
  void serve_v2(const json& rollout = json::object()) {
    h.seed_pipeline(ControllerHarness::pipeline_manifest("stats", rollout));
    h.seed_version("stats", 2);
    h.seed_service("stats", 2);
  }
  void add_to_kafka(const std::string& group, const std::vector<std::string>& topics) {
    for (const auto& t : topics) h.kafka().create_topic({t, 3, 1, {}});
    h.kafka().commit(group, ControllerHarness::kInput, 100);
    h.kafka().set_members(group, false);
  }
  void record(const OwnedKafka& entry) {
    json p = h.pipeline("stats");
    p["status"][controllers::kStatusOwnedKafka].push_back(entry.to_json());
    h.client.seed(api::kPipelines, p);
  }
  std::vector<int64_t> recorded_versions() const {
    std::vector<int64_t> out;
    for (const auto& e : controllers::owned_kafka(h.pipeline("stats")).value_or(std::vector<OwnedKafka>{})) {
      out.push_back(e.version);
    }
    return out;
  }
  void reconcile_pipeline() {
    h.client.sync();
    pipelines.reconcile("team/stats");
  }

  ControllerHarness h;
  controllers::PipelineReconciler pipelines{h.context()};
};

TEST_F(OwnedKafkaTest, ATopicThatOnlyMatchesThePipelinesPatternIsNeverDeleted) {
  serve_v2();
  // Not on the record: made by hand, by another tool, or by an operator that
  // crashed before recording it. The old collector deleted these by pattern.
  add_to_kafka("kappa.team.stats.v1", {"team.stats.v1", "team.stats.v1.state"});
  reconcile_pipeline();
  reconcile_pipeline();
  EXPECT_TRUE(h.kafka().has_topic("team.stats.v1"));
  EXPECT_TRUE(h.kafka().has_topic("team.stats.v1.state"));
  EXPECT_TRUE(h.kafka().has_group("kappa.team.stats.v1"));
  EXPECT_EQ(h.events("Retired"), 0);
}

TEST_F(OwnedKafkaTest, ARetiredVersionsRecordedGroupAndTablesGoAndLeaveTheRecordOnce) {
  serve_v2();
  add_to_kafka("kappa.team.stats.v1", {"team.stats.v1", "team.stats.v1.state"});
  record({1, "", "kappa.team.stats.v1", {"team.stats.v1", "team.stats.v1.state"}, ""});
  h.client.sync();
  pipelines.reconcile("team/stats");
  EXPECT_FALSE(h.kafka().has_group("kappa.team.stats.v1"));
  EXPECT_FALSE(h.kafka().has_topic("team.stats.v1")) << "keepRetiredTables is 0";
  EXPECT_FALSE(h.kafka().has_topic("team.stats.v1.state"));
  EXPECT_TRUE(h.kafka().has_topic("team.stats.v2"));
  EXPECT_EQ(recorded_versions(), std::vector<int64_t>{2});
  pipelines.reconcile("team/stats");  // the cache still shows v1 on the record
  EXPECT_EQ(h.events("Retired"), 1);
  EXPECT_EQ(h.events("TableDeleted"), 1);
}

TEST_F(OwnedKafkaTest, AKafkaStreamsVersionsInternalTopicsGoWithItsGroupAndNothingThatOnlyLooksLikeThem) {
  serve_v2();
  // What a Kafka Streams processor with application.id = the group makes.
  const std::vector<std::string> internal = {"kappa.team.stats.v1-user-stats-by-user-repartition",
                                             "kappa.team.stats.v1-user-stats-changelog"};
  // Not v1's application's: another version, a dotted (operator-made) name,
  // a suffix Streams does not use, another namespace.
  const std::vector<std::string> others = {"kappa.team.stats.v11-user-stats-changelog",
                                           "kappa.team.stats.v1-x.stats.v1-changelog",
                                           "kappa.team.stats.v1-notes", "kappa.other.stats.v1-user-stats-changelog"};
  add_to_kafka("kappa.team.stats.v1", {"team.stats.v1", "team.stats.v1.state"});
  for (const auto& t : internal) h.kafka().create_topic({t, 3, 1, {}});
  for (const auto& t : others) h.kafka().create_topic({t, 3, 1, {}});
  record({1, "", "kappa.team.stats.v1", {"team.stats.v1", "team.stats.v1.state"}, ""});
  reconcile_pipeline();
  EXPECT_FALSE(h.kafka().has_group("kappa.team.stats.v1"));
  for (const auto& t : internal) EXPECT_FALSE(h.kafka().has_topic(t)) << t;
  for (const auto& t : others) EXPECT_TRUE(h.kafka().has_topic(t)) << t;
}

TEST_F(OwnedKafkaTest, InternalTopicsStayWhileTheGroupStillHasMembers) {
  serve_v2();
  add_to_kafka("kappa.team.stats.v1", {"team.stats.v1"});
  h.kafka().create_topic({"kappa.team.stats.v1-store-changelog", 3, 1, {}});
  h.kafka().set_members("kappa.team.stats.v1", true);
  record({1, "", "kappa.team.stats.v1", {"team.stats.v1"}, ""});
  reconcile_pipeline();
  EXPECT_TRUE(h.kafka().has_group("kappa.team.stats.v1"));
  EXPECT_TRUE(h.kafka().has_topic("kappa.team.stats.v1-store-changelog")) << "a live application's state";
  h.kafka().set_members("kappa.team.stats.v1", false);
  reconcile_pipeline();
  EXPECT_FALSE(h.kafka().has_topic("kappa.team.stats.v1-store-changelog"));
}

TEST_F(OwnedKafkaTest, KeepRetiredTablesKeepsTheNewestRecordedTables) {
  h.seed_pipeline(ControllerHarness::pipeline_manifest("stats", {{"keepRetiredTables", 1}}));
  h.seed_version("stats", 3);
  h.seed_service("stats", 3);
  for (int v : {1, 2}) {
    const std::string n = std::to_string(v);
    add_to_kafka("kappa.team.stats.v" + n, {"team.stats.v" + n, "team.stats.v" + n + ".state"});
    record({v, "", "kappa.team.stats.v" + n, {"team.stats.v" + n, "team.stats.v" + n + ".state"}, ""});
  }
  reconcile_pipeline();
  EXPECT_FALSE(h.kafka().has_group("kappa.team.stats.v1"));
  EXPECT_FALSE(h.kafka().has_group("kappa.team.stats.v2"));
  EXPECT_FALSE(h.kafka().has_topic("team.stats.v1"));
  EXPECT_TRUE(h.kafka().has_topic("team.stats.v2"));
  EXPECT_TRUE(h.kafka().has_topic("team.stats.v2.state"));
  EXPECT_EQ(recorded_versions(), (std::vector<int64_t>{2, 3})) << "v2's tables stay on the record";
}

TEST_F(OwnedKafkaTest, ATamperedRecordReachesNothingOutsideThePipelinesSpace) {
  serve_v2();
  const std::vector<std::string> theirs = {"other.stats.v1", "other.stats.v1.state", "team.other.v1"};
  add_to_kafka("kappa.other.stats.v1", theirs);
  record({1, "", "kappa.other.stats.v1", theirs, ""});
  reconcile_pipeline();
  reconcile_pipeline();
  for (const auto& t : theirs) EXPECT_TRUE(h.kafka().has_topic(t)) << t;
  EXPECT_TRUE(h.kafka().has_group("kappa.other.stats.v1"));
  EXPECT_GE(h.events("KafkaNameRefused"), 1);
  EXPECT_EQ(h.events("Retired"), 0);
  EXPECT_EQ(recorded_versions(), std::vector<int64_t>{2}) << "the refused names are dropped from the record";
}

TEST_F(OwnedKafkaTest, ARecordedCandidateMissingFromTheCacheIsReadFreshAndKept) {
  serve_v2();
  add_to_kafka("kappa.team.stats.v3", {"team.stats.v3", "team.stats.v3.state"});
  record({3, "stats-new", "kappa.team.stats.v3", {"team.stats.v3", "team.stats.v3.state"}, ""});
  h.client.sync();
  // Made a moment ago: on the server, not yet in our cache.
  h.client.seed(api::kReprocessings, {{"apiVersion", api::kApiVersion},
                                      {"kind", "Reprocessing"},
                                      {"metadata", {{"name", "stats-new"}, {"namespace", kNs}}},
                                      {"spec", {{"pipelineRef", {{"name", "stats"}}}}},
                                      {"status", {{"phase", "Provisioning"}, {"version", 3}}}});
  pipelines.reconcile("team/stats");
  EXPECT_TRUE(h.kafka().has_group("kappa.team.stats.v3"));
  EXPECT_TRUE(h.kafka().has_topic("team.stats.v3"));
  EXPECT_EQ(recorded_versions(), (std::vector<int64_t>{2, 3}));
}

TEST_F(OwnedKafkaTest, DeletionDeletesTheRecordedNamesAndNothingElse) {
  serve_v2();
  h.kafka().set_members("kappa.team.stats.v2", false);
  add_to_kafka("kappa.team.stats.v9", {"team.stats.v9"});  // not ours to delete
  h.client.remove(api::kPipelines, kNs, "stats", {});
  reconcile_pipeline();  // the Deployment first
  reconcile_pipeline();
  EXPECT_FALSE(h.client.stored(api::kPipelines, kNs, "stats")) << "the finalizer was removed";
  EXPECT_FALSE(h.kafka().has_group("kappa.team.stats.v2"));
  EXPECT_FALSE(h.kafka().has_topic("team.stats.v2"));
  EXPECT_TRUE(h.kafka().has_topic("team.stats.v9"));
  EXPECT_TRUE(h.kafka().has_group("kappa.team.stats.v9"));
}

TEST_F(OwnedKafkaTest, APipelineFromBeforeTheRecordAdoptsItsVersionsNamesOnce) {
  h.seed_pipeline(ControllerHarness::pipeline_manifest("stats"));
  h.seed_version("stats", 2);
  h.seed_service("stats", 2);
  json p = h.pipeline("stats");
  p["status"].erase(controllers::kStatusOwnedKafka);
  h.client.seed(api::kPipelines, p);
  add_to_kafka("kappa.team.stats.v1", {"team.stats.v1", "team.stats.v1.state"});
  h.client.seed(api::kReprocessings,
                {{"apiVersion", api::kApiVersion},
                 {"kind", "Reprocessing"},
                 {"metadata", {{"name", "stats-old"}, {"namespace", kNs}}},
                 {"spec", {{"pipelineRef", {{"name", "stats"}}}}},
                 {"status",
                  {{"phase", "Succeeded"}, {"version", 1}, {"consumerGroup", "kappa.team.stats.v1"},
                   {"outputTopic", "team.stats.v1"}}}});
  reconcile_pipeline();  // adopts v1 and v2
  reconcile_pipeline();  // retires what v1 left
  EXPECT_FALSE(h.kafka().has_group("kappa.team.stats.v1"));
  EXPECT_FALSE(h.kafka().has_topic("team.stats.v1"));
  EXPECT_EQ(recorded_versions(), std::vector<int64_t>{2});
}

class CandidateRecordTest : public ::testing::Test {
 protected:
  void SetUp() override {
    h.seed_pipeline(ControllerHarness::pipeline_manifest("stats"));
    json v1_template = h.spec("stats").processor;
    v1_template["image"] = "proc:0";
    h.seed_version("stats", 1, v1_template);
    h.seed_service("stats", 1);
    h.client.seed(api::kReprocessings, {{"apiVersion", api::kApiVersion},
                                        {"kind", "Reprocessing"},
                                        {"metadata", {{"name", "stats-next"}, {"namespace", kNs}}},
                                        {"spec", {{"pipelineRef", {{"name", "stats"}}}}}});
  }
  void reconcile() {
    h.client.sync();
    reprocessings.reconcile("team/stats-next");
  }
  std::optional<OwnedKafka> entry(int64_t version) const {
    for (const auto& e : controllers::owned_kafka(h.pipeline("stats")).value_or(std::vector<OwnedKafka>{})) {
      if (e.version == version) return e;
    }
    return std::nullopt;
  }

  ControllerHarness h;
  controllers::ReprocessingReconciler reprocessings{h.context()};
};

TEST_F(CandidateRecordTest, TheCandidatesNamesAreOnTheRecordBeforeItsTablesExist) {
  // The Pipeline status update that allocates v2 records its names too:
  // when it fails, no table may exist.
  h.client.fail_nth(Verb::UpdateStatus, api::kPipelines, 1, ApiErrorKind::ServerError);
  EXPECT_ANY_THROW(reconcile());
  EXPECT_FALSE(h.kafka().has_topic("team.stats.v2"));
  EXPECT_FALSE(h.kafka().has_topic("team.stats.v2.state"));
  EXPECT_FALSE(entry(2));

  reconcile();
  ASSERT_TRUE(entry(2));
  EXPECT_EQ(entry(2)->reprocessing, "stats-next");
  EXPECT_EQ(entry(2)->consumer_group, "kappa.team.stats.v2");
  EXPECT_EQ(entry(2)->topics, (std::vector<std::string>{"team.stats.v2", "team.stats.v2.state"}));
  EXPECT_TRUE(h.kafka().has_topic("team.stats.v2"));
}

TEST_F(CandidateRecordTest, AnAbortedCandidateLeavesTheRecordWithItsTables) {
  reconcile();
  ASSERT_TRUE(entry(2));
  h.client.patch(api::kReprocessings, kNs, "stats-next", kube::PatchType::Merge, {{"spec", {{"abort", true}}}}, {});
  h.kafka().set_members("kappa.team.stats.v2", false);
  for (int i = 0; i < 3 && h.client.stored(api::kReprocessings, kNs, "stats-next")->value("status", json::object())
                                   .value("phase", "") != "Aborted";
       ++i) {
    reconcile();
  }
  EXPECT_FALSE(h.kafka().has_topic("team.stats.v2"));
  EXPECT_FALSE(entry(2));
  EXPECT_TRUE(entry(1)) << "the serving version's names stay";
}

}  // namespace
}  // namespace kappa::testing
