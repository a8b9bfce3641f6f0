// A tenant's Secret naming librdkafka properties that run programs, load
// libraries or read files: before the allowlist, sasl.kerberos.kinit.cmd ran
// through /bin/sh inside the operator when it made its Kafka client. Now the
// Pipeline stalls naming the property, the command never runs (its canary
// file never appears), nothing of a new version is made, and the active
// version keeps serving.
#include <filesystem>

#include "controllers/operator_fixture.h"

namespace kappa::testing {
namespace {

using SecretPropertiesTest = OperatorTest;

TEST_F(SecretPropertiesTest, ADangerousPropertyStallsAndNeverRuns) {
  produce_events(500, 10);
  client_->create(api::kPipelines, ns_, pipeline_manifest("stats"));
  await_pipeline_condition("stats", "Ready", "True");

  const std::string canary = std::string(::testing::TempDir()) + "/" + unique_name("canary");
  const struct {
    std::string property, value;
  } cases[] = {
      {"sasl.kerberos.kinit.cmd", "touch " + canary},
      {"plugin.library.paths", canary + ".so"},
      {"ssl.ca.location", "/etc/shadow"},
      {"debug", "generic,security,broker"},
  };
  for (const auto& c : cases) {
    json data = {{c.property, c.value}};
    // What the reproduction used: the command runs while librdkafka sets up GSSAPI.
    if (c.property == "sasl.kerberos.kinit.cmd") data.update({{"security.protocol", "SASL_PLAINTEXT"}, {"sasl.mechanisms", "GSSAPI"}});
    const std::string secret = unique_name("creds");
    client_->create(kube::resources::kSecrets, ns_,
                    {{"apiVersion", "v1"},
                     {"kind", "Secret"},
                     {"metadata", {{"name", secret}, {"namespace", ns_}}},
                     {"stringData", data}});
    patch_spec(api::kPipelines, "stats", {{"kafka", {{"secretRef", {{"name", secret}}}}}});
    json p;
    EXPECT_TRUE(wait_for(60s, [&] {
      p = get(api::kPipelines, "stats");
      std::string reason;
      return condition(p, "Stalled", &reason) == "True" && reason == "InvalidSpec" &&
             p["status"].dump().find(c.property) != std::string::npos;
    })) << c.property << " was not refused by name: " << p["status"].dump();
    EXPECT_EQ(p["status"].dump().find(c.value), std::string::npos) << "the value reached status";
    EXPECT_EQ(service_version("stats"), 1) << c.property;
    EXPECT_FALSE(find(kube::resources::kDeployments, "stats-v2")) << c.property;
  }
  EXPECT_FALSE(std::filesystem::exists(canary)) << "the command in sasl.kerberos.kinit.cmd ran";
  EXPECT_EQ(condition(get(api::kPipelines, "stats"), "Serving"), "True");
  EXPECT_TRUE(operator_->running());
}

}  // namespace
}  // namespace kappa::testing
