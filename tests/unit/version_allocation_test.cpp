// A Reprocessing gets one version number, once, however stale the cache it
// is reconciled from (docs/design.md, invariant 3: versions are never
// reused; a crash between allocating and recording hands the same number to
// the same Reprocessing again, never to another one).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "controllers/reprocessing_reconciler.h"
#include "support/controller_harness.h"

namespace kappa::testing {
namespace {

using kube::ApiErrorKind;

class VersionAllocationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    json pipeline = ControllerHarness::pipeline_manifest("stats");
    pipeline["status"] = {{"nextVersion", 3}};
    h.seed_pipeline(pipeline);
  }

  // A Reprocessing of `stats` the operator already holds a finalizer on.
  void seed_reprocessing(const std::string& name) {
    h.client.seed(api::kReprocessings,
                  {{"apiVersion", api::kApiVersion},
                   {"kind", "Reprocessing"},
                   {"metadata", {{"name", name}, {"namespace", ControllerHarness::kNs},
                                 {"finalizers", json::array({api::kFinalizer})}}},
                   {"spec", {{"pipelineRef", {{"name", "stats"}}}}}});
  }
  int64_t version_of(const std::string& name) const {
    return h.client.stored(api::kReprocessings, ControllerHarness::kNs, name)->value("status", json::object()).value(
        "version", int64_t{0});
  }
  int64_t next_version() const {
    return h.pipeline("stats")["status"].value("nextVersion", int64_t{0});
  }

  ControllerHarness h;
  controllers::ReprocessingReconciler reconciler{h.context()};
};

// The defect: the first pass recorded v3 and then failed (Kafka); the retry
// ran on a cache that had not seen v3 yet, allocated v4 and wrote it over v3.
TEST_F(VersionAllocationTest, ARetryOnAStaleCacheKeepsTheVersionAlreadyRecorded) {
  seed_reprocessing("stats-a");
  h.client.sync();
  h.kafka().fail_next("create_topic", kafka::KafkaErrorKind::Timeout);
  reconciler.reconcile("team/stats-a");
  ASSERT_EQ(version_of("stats-a"), 3);
  ASSERT_EQ(next_version(), 4);

  reconciler.reconcile("team/stats-a");  // the Reprocessing cache still has no version
  EXPECT_EQ(version_of("stats-a"), 3) << "a second version was allocated for the same Reprocessing";
  EXPECT_EQ(next_version(), 4);
  EXPECT_TRUE(h.client.stored(kube::resources::kDeployments, ControllerHarness::kNs, "stats-v3"));
  EXPECT_FALSE(h.client.stored(kube::resources::kDeployments, ControllerHarness::kNs, "stats-v4"));
}

// The operator died between moving the counter and recording the number on
// the Reprocessing (seen in the e2e fault test: v4 taken, then v5 for the
// same Reprocessing). The Pipeline remembers which Reprocessing the last
// number went to, so the next leader hands it the same one: nothing skipped.
TEST_F(VersionAllocationTest, ACrashBetweenAllocatingAndRecordingReusesTheAllocatedNumber) {
  seed_reprocessing("stats-a");
  h.client.sync();
  h.client.fail_nth(Verb::Patch, api::kReprocessings, 1, ApiErrorKind::ServerError);
  EXPECT_ANY_THROW(reconciler.reconcile("team/stats-a"));  // the "crash": the record never lands
  ASSERT_EQ(version_of("stats-a"), 0);
  ASSERT_EQ(next_version(), 4);

  controllers::ReprocessingReconciler next_leader{h.context()};
  next_leader.reconcile("team/stats-a");
  EXPECT_EQ(version_of("stats-a"), 3) << "the number allocated before the crash was skipped";
  EXPECT_EQ(next_version(), 4);
}

// A number allocated to a Reprocessing that then died is not handed to a
// different one (it may be recorded yet): that one gets the next number.
TEST_F(VersionAllocationTest, AnAllocationOfAnotherReprocessingIsNeverReused) {
  seed_reprocessing("stats-a");
  seed_reprocessing("stats-b");
  h.client.sync();
  h.client.fail_nth(Verb::Patch, api::kReprocessings, 1, ApiErrorKind::ServerError);
  EXPECT_ANY_THROW(reconciler.reconcile("team/stats-a"));
  reconciler.reconcile("team/stats-b");
  EXPECT_EQ(version_of("stats-b"), 4);
  EXPECT_EQ(next_version(), 5);
}

// Someone else wrote the Reprocessing between our read and our status write:
// the write is refused, and the number already taken from the counter is
// recorded on the retry (nothing skipped, nothing taken twice).
TEST_F(VersionAllocationTest, AConflictingStatusWriteIsRetriedFromAFreshRead) {
  seed_reprocessing("stats-a");
  h.client.sync();
  h.client.fail_nth(Verb::Patch, api::kReprocessings, 1, ApiErrorKind::Conflict);
  reconciler.reconcile("team/stats-a");
  EXPECT_EQ(version_of("stats-a"), 3);
  EXPECT_EQ(next_version(), 4);
}

// The write that records the version carries the resourceVersion it was
// computed from.
TEST_F(VersionAllocationTest, TheVersionIsRecordedUnderAResourceVersionPrecondition) {
  seed_reprocessing("stats-a");
  h.client.sync();
  reconciler.reconcile("team/stats-a");
  bool guarded = false;
  for (const auto& call : h.client.calls()) {
    if (call.resource == "reprocessings" && call.subresource == "status" && call.body["status"].contains("version")) {
      guarded = call.body.contains("metadata") && !call.body["metadata"].value("resourceVersion", "").empty();
      break;  // the write that records it; later status writes carry it along
    }
  }
  EXPECT_TRUE(guarded);
}

// Two Reprocessings of one Pipeline, the Pipeline cache never synced: the
// counter is read fresh and moved under a precondition, so they differ.
TEST_F(VersionAllocationTest, TwoReprocessingsOnAStalePipelineCacheGetDifferentVersions) {
  seed_reprocessing("stats-a");
  seed_reprocessing("stats-b");
  h.client.sync();
  reconciler.reconcile("team/stats-a");
  reconciler.reconcile("team/stats-b");
  EXPECT_EQ(version_of("stats-a"), 3);
  EXPECT_EQ(version_of("stats-b"), 4);
  EXPECT_EQ(next_version(), 5);
}

// The counter write lost a race with another writer of the Pipeline: the
// allocation reads it again instead of reusing what it read.
TEST_F(VersionAllocationTest, ACounterConflictRereadsThePipeline) {
  seed_reprocessing("stats-a");
  h.client.sync();
  h.client.fail_nth(Verb::UpdateStatus, api::kPipelines, 1, ApiErrorKind::Conflict);
  reconciler.reconcile("team/stats-a");
  EXPECT_EQ(version_of("stats-a"), 3);
  EXPECT_EQ(next_version(), 4);
  // Two writes of the counter (the first refused); the second also holds
  // the record of the version's Kafka names.
  EXPECT_EQ(h.client.count(Verb::UpdateStatus, &api::kPipelines), 2);
}

// The counter and the record of the version's Kafka names (invariant 9:
// on the record before they exist) move in one write.
TEST_F(VersionAllocationTest, TheCounterAndTheRecordOfKafkaNamesMoveInOneWrite) {
  seed_reprocessing("stats-a");
  h.client.sync();
  h.client.clear_calls();
  reconciler.reconcile("team/stats-a");
  ASSERT_EQ(version_of("stats-a"), 3);
  EXPECT_EQ(h.client.count(Verb::UpdateStatus, &api::kPipelines), 1);
  const auto owned = controllers::owned_kafka(h.pipeline("stats"));
  ASSERT_TRUE(owned);
  ASSERT_EQ(owned->size(), 1u);
  EXPECT_EQ((*owned)[0].version, 3);
  EXPECT_EQ((*owned)[0].consumer_group, "kappa.team.stats.v3");
  EXPECT_EQ((*owned)[0].topics, (std::vector<std::string>{"team.stats.v3", "team.stats.v3.state"}));
}

// The number about to be handed out has no table in Kafka: two lookups by
// name, and the cluster's topics (every version of every Pipeline) are not
// listed.
TEST_F(VersionAllocationTest, FreeNamesAreLookedUpByNameWithoutListingTopics) {
  seed_reprocessing("stats-a");
  h.client.sync();
  reconciler.reconcile("team/stats-a");
  EXPECT_EQ(version_of("stats-a"), 3);
  EXPECT_EQ(h.kafka().calls("list_topics"), 0);
}

// Tables an earlier life of the Pipeline left in Kafka (its status, and the
// counter with it, gone) are never handed to a new version: the number's
// own changelog exists, so the Pipeline's topics are listed, once, and the
// version goes past all of them.
TEST_F(VersionAllocationTest, TablesLeftInKafkaAreNeverReused) {
  h.kafka().add_topic("team.stats.v3.state", 1, 0);
  h.kafka().add_topic("team.stats.v5", 1, 0);
  seed_reprocessing("stats-a");
  h.client.sync();
  reconciler.reconcile("team/stats-a");
  EXPECT_EQ(version_of("stats-a"), 6);
  EXPECT_EQ(h.kafka().calls("list_topics"), 1);
}

// The same for a consumer group left with its commits.
TEST_F(VersionAllocationTest, AGroupLeftInKafkaIsNeverReused) {
  h.kafka().commit("kappa.team.stats.v4", ControllerHarness::kInput, 10, /*has_members=*/false);
  seed_reprocessing("stats-a");
  h.client.sync();
  reconciler.reconcile("team/stats-a");
  EXPECT_EQ(version_of("stats-a"), 5);
}

}  // namespace
}  // namespace kappa::testing
