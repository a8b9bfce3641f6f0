// Valid manifests that cannot work: a clear condition with a reason, the
// active version untouched, the operator still running.
#include "controllers/operator_fixture.h"

namespace kappa::testing {
namespace {

using BadInputTest = OperatorTest;

TEST_F(BadInputTest, AMissingInputTopicStallsTheRolloutWithItsName) {
  auto manifest = pipeline_manifest("stats");
  manifest["spec"]["input"]["topic"] = ns_ + ".no-such-topic";
  client_->create(api::kPipelines, ns_, manifest);
  await_pipeline_condition("stats", "Stalled", "True", 60s, "InputTopicMissing");
  const auto p = get(api::kPipelines, "stats");
  EXPECT_EQ(condition(p, "Ready"), "False");
  EXPECT_EQ(condition(p, "Serving"), "False");

  // Once the topic exists the same Pipeline goes on by itself.
  admin_->create_topic({ns_ + ".no-such-topic", 3, 1, {{"cleanup.policy", "delete"}}});
  await_pipeline_condition("stats", "Ready", "True");
  EXPECT_TRUE(operator_->running());
}

TEST_F(BadInputTest, AServiceOfThatNameNotOwnedByThePipelineIsLeftAloneAndReported) {
  const json foreign = {{"apiVersion", "v1"},
                        {"kind", "Service"},
                        {"metadata", {{"name", "stats"}, {"namespace", ns_}}},
                        {"spec", {{"selector", {{"app", "someone-else"}}}, {"ports", {{{"port", 80}}}}}}};
  client_->create(kube::resources::kServices, ns_, foreign);
  produce_events(500, 10);
  client_->create(api::kPipelines, ns_, pipeline_manifest("stats"));
  await_pipeline_condition("stats", "Stalled", "True", 60s, "ServiceNotOwned");
  // Give it time to do harm, then check it did none.
  EXPECT_FALSE(wait_for(5s, [&] {
    return get(kube::resources::kServices, "stats")["spec"]["selector"] != json{{"app", "someone-else"}};
  }));
  EXPECT_EQ(condition(get(api::kPipelines, "stats"), "Ready"), "False");
  EXPECT_TRUE(operator_->running());
}

TEST_F(BadInputTest, AnImageTheNodeCannotRunStallsTheCandidateWhileTheActiveVersionKeepsServing) {
  produce_events(1000, 20);
  client_->create(api::kPipelines, ns_, pipeline_manifest("stats"));
  await_pipeline_condition("stats", "Ready", "True");
  patch_spec(api::kPipelines, "stats", {{"processor", {{"image", "registry.invalid/not-runnable:1"}}}});
  await_pipeline_condition("stats", "Stalled", "True", 90s, "ImageUnavailable");
  EXPECT_EQ(service_version("stats"), 1);
  EXPECT_EQ(condition(get(api::kPipelines, "stats"), "Serving"), "True");
  const auto rp2 = reprocessing_of("stats", 2);
  ASSERT_TRUE(rp2);
  EXPECT_EQ(condition(*rp2, "Stalled"), "True");

  // Fixing the template supersedes the broken candidate.
  patch_spec(api::kPipelines, "stats", {{"processor", {{"image", "kappa.dev/kappa-processor:2"}}}});
  await_service_version("stats", 3);
  await_phase("stats", 2, "Aborted");
  expect_version_gone("stats", 2);
  EXPECT_TRUE(operator_->running());
}

TEST_F(BadInputTest, ACandidateNotCaughtUpWithinCatchUpDeadlineIsStalledAndNotPromoted) {
  produce_events(500, 10);
  // stableFor longer than the deadline: it cannot be caught up in time.
  client_->create(api::kPipelines, ns_,
                  pipeline_manifest("stats", {{"stableFor", "10m"}, {"catchUpDeadline", "3s"}}));
  await_pipeline_condition("stats", "Stalled", "True", 60s, "CatchUpDeadlineExceeded");
  EXPECT_FALSE(service_version("stats").has_value()) << "nothing may serve before it is caught up";
  const auto rp = reprocessing_of("stats", 1);
  ASSERT_TRUE(rp);
  EXPECT_EQ((*rp)["status"].value("phase", ""), "CatchingUp");
  EXPECT_EQ(condition(*rp, "CaughtUp"), "False");
}

TEST_F(BadInputTest, AnUnreachableKafkaIsReportedAndNothingIsCreated) {
  auto manifest = pipeline_manifest("stats");
  manifest["spec"]["kafka"]["bootstrapServers"] = "127.0.0.1:1";
  client_->create(api::kPipelines, ns_, manifest);
  await_pipeline_condition("stats", "Stalled", "True", 90s, "KafkaUnreachable");
  EXPECT_TRUE(client_->list(kube::resources::kDeployments, ns_, {})["items"].empty());
  EXPECT_TRUE(operator_->running());
  // The finalizer cannot reach Kafka either: fix the address, then delete.
  patch_spec(api::kPipelines, "stats", {{"kafka", {{"bootstrapServers", bootstrap_}}}});
}

}  // namespace
}  // namespace kappa::testing
