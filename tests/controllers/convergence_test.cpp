// docs/design.md, invariant 6: the operator SIGKILLed at each step of a rollout and
// restarted converges to the same end state: exactly one active version,
// the old one retired, nothing orphaned. The kill comes from the
// operator's own crash points (KAPPA_CRASH_AT), so it lands exactly there.
#include "controllers/operator_fixture.h"
#include "controllers/service_watcher.h"

namespace kappa::testing {
namespace {

class ConvergenceTest : public OperatorTest, public ::testing::WithParamInterface<const char*> {};

TEST_P(ConvergenceTest, KilledMidRolloutAndRestartedEndsWithV2ActiveAndV1GoneAndNothingOrphaned) {
  produce_events(5000, 50);
  ServiceWatcher watcher(*rest_, ns_, "stats");
  client_->create(api::kPipelines, ns_, pipeline_manifest("stats", {{"retireAfter", "3s"}}));
  await_pipeline_condition("stats", "Ready", "True");

  ASSERT_NO_FATAL_FAILURE(crash_operator_at(GetParam(), [&] { change_template("stats", "max_revenue"); }));

  ASSERT_NO_FATAL_FAILURE(restart_and_expect_v2_alone());
  const auto reprocessings = client_->list(api::kReprocessings, ns_, {});
  EXPECT_EQ(phases(reprocessings, "stats"), (std::map<int64_t, std::string>{{1, "Succeeded"}, {2, "Succeeded"}}));
  EXPECT_EQ(admin_->list_groups("kappa." + ns_ + "."), (std::vector<std::string>{"kappa." + ns_ + ".stats.v2"}));
  EXPECT_TRUE(topics_become({input_topic_, ns_ + ".stats.v2", ns_ + ".stats.v2.state"}));
  const auto pipeline = get(api::kPipelines, "stats");
  EXPECT_EQ(pipeline["status"].value("activeVersion", 0), 2);
  EXPECT_EQ(pipeline["status"].value("nextVersion", 0), 3) << "a version number was skipped or reused";

  EXPECT_EQ(watcher.versions(), (std::vector<int64_t>{1, 2}));
  EXPECT_TRUE(watcher.violations().empty()) << watcher.violations().front();
}

INSTANTIATE_TEST_SUITE_P(EveryStep, ConvergenceTest,
                         ::testing::Values("after-version-allocated", "after-deployment-create", "during-catch-up",
                                           "before-service-write", "after-service-write", "during-retire"),
                         crash_point_test_name);

// A rollback killed between its writes (the request taken, the Service
// flipped, the pending mark dropped) and restarted flips serving exactly
// once: the restart must not read the request again and flip back.
class RollbackConvergenceTest : public OperatorTest, public ::testing::WithParamInterface<const char*> {
 protected:
  int rolled_back_events() {
    int n = 0;
    // Held in a variable: a range-for over a member of a temporary would
    // read it after it is gone.
    const json events = client_->list(kube::resources::kEvents, ns_, {});
    for (const auto& e : events["items"]) {
      if (e.value("reason", "") == "RolledBack") n += e.value("series", json::object()).value("count", 1);
    }
    return n;
  }
  bool rollback_annotations_gone() {
    const auto annotations = get(api::kPipelines, "stats")["metadata"].value("annotations", json::object());
    return !annotations.contains(api::kAnnotationRollback) && !annotations.contains(api::kAnnotationRollbackPending);
  }
};

TEST_P(RollbackConvergenceTest, KilledMidRollbackAndRestartedServesThePreviousVersionOnce) {
  produce_events(2000, 40);
  ServiceWatcher watcher(*rest_, ns_, "stats");
  client_->create(api::kPipelines, ns_, pipeline_manifest("stats", {{"retireAfter", "10m"}}));
  await_pipeline_condition("stats", "Ready", "True");
  change_template("stats", "max_revenue");
  await_service_version("stats", 2);
  await_pipeline_condition("stats", "Ready", "True", 60s, "RolloutComplete");

  ASSERT_NO_FATAL_FAILURE(crash_operator_at(
      GetParam(),
      [&] {
        client_->patch(api::kPipelines, ns_, "stats", kube::PatchType::Merge,
                       {{"metadata", {{"annotations", {{api::kAnnotationRollback, "true"}}}}}}, {});
      },
      120s));

  start_operator({}, fast_lease());
  await_service_version("stats", 1, 60s);
  ASSERT_TRUE(wait_for(60s, [&] { return rollback_annotations_gone(); }))
      << get(api::kPipelines, "stats")["metadata"].dump();
  await_pipeline_condition("stats", "Ready", "True", 60s, "RolledBack");
  // Settled: nothing flips serving back afterwards.
  EXPECT_FALSE(wait_for(5s, [&] { return service_version("stats") != 1; }));
  EXPECT_EQ(watcher.versions(), (std::vector<int64_t>{1, 2, 1}));
  EXPECT_TRUE(watcher.violations().empty()) << watcher.violations().front();
  // At most once: an Event queued just before the kill may be lost with it.
  EXPECT_LE(rolled_back_events(), 1);
  EXPECT_TRUE(find(kube::resources::kDeployments, "stats-v2")) << "v2 stays warm for a roll-forward";
}

INSTANTIATE_TEST_SUITE_P(EveryStep, RollbackConvergenceTest,
                         ::testing::Values("after-rollback-taken", "after-rollback-switch"),
                         crash_point_test_name);

}  // namespace
}  // namespace kappa::testing
