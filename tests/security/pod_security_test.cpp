// A namespace that enforces Pod Security "restricted" runs the versions'
// pods as they are built by default; a template whose pods admission
// refuses stalls the rollout with the reason while the active version keeps
// serving. Specs the API server refuses at admission never reach the
// operator.
#include "controllers/operator_fixture.h"

namespace kappa::testing {
namespace {

using PodSecurityTest = OperatorTest;

TEST_F(PodSecurityTest, ARestrictedNamespaceRunsVersionsAndRefusedPodsStallTheCandidate) {
  client_->patch(kube::resources::kNamespaces, "", ns_, kube::PatchType::Merge,
                 {{"metadata", {{"labels", {{"pod-security.kubernetes.io/enforce", "restricted"}}}}}}, {});
  produce_events(500, 10);
  client_->create(api::kPipelines, ns_, pipeline_manifest("stats"));
  await_pipeline_condition("stats", "Ready", "True");
  EXPECT_EQ(service_version("stats"), 1);

  // Root is not allowed there: the ReplicaSet cannot create v2's pods.
  patch_spec(api::kPipelines, "stats", {{"processor", {{"securityContext", {{"runAsUser", 0}}}}}});
  await_pipeline_condition("stats", "Stalled", "True", 120s);
  const auto rp2 = reprocessing_of("stats", 2);
  ASSERT_TRUE(rp2);
  std::string reason;
  EXPECT_EQ(condition(*rp2, "Stalled", &reason), "True");
  EXPECT_EQ(reason, "PodsNotCreated");
  EXPECT_NE((*rp2)["status"].dump().find("PodSecurity"), std::string::npos) << (*rp2)["status"].dump();
  EXPECT_EQ(service_version("stats"), 1);
  EXPECT_EQ(condition(get(api::kPipelines, "stats"), "Serving"), "True");
  EXPECT_TRUE(operator_->running());
}

TEST_F(PodSecurityTest, SpecsThatWouldFailLaterAreRefusedAtAdmission) {
  json long_name = pipeline_manifest("stats");
  long_name["metadata"]["name"] = std::string(64, 'p');
  long_name["spec"]["serving"]["serviceName"] = "stats";
  EXPECT_THROW(client_->create(api::kPipelines, ns_, long_name), kube::ApiError);

  EXPECT_THROW(client_->create(api::kPipelines, ns_, pipeline_manifest("stats", {{"retireAfter", "3000000h"}})),
               kube::ApiError);
  EXPECT_TRUE(client_->list(api::kPipelines, ns_, {})["items"].empty());
  EXPECT_TRUE(operator_->running());
}

}  // namespace
}  // namespace kappa::testing
