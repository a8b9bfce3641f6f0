// What a Pipeline's Secret may set on the operator's and processors' Kafka
// clients: authentication, TLS as PEM text and tuning; nothing that names a
// file, a program, a library or a URL.
#include "kafka/property_policy.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "api/pipeline_spec.h"
#include "controllers/kafka_access.h"
#include "kappa/common/rdkafka_handles.h"
#include "kafka/rdkafka_admin.h"
#include "support/fake_kube_client.h"
#include "support/wait.h"

namespace {

using kappa::kafka::check_tenant_properties;
using kappa::kafka::PropertyRefused;
using Props = std::map<std::string, std::string>;

std::string refusal(const Props& properties) {
  try {
    check_tenant_properties(properties);
  } catch (const PropertyRefused& e) {
    return e.what();
  }
  return "";
}

TEST(KafkaPropertyPolicy, AuthenticationTlsAsTextAndTuningAreAllowed) {
  EXPECT_EQ(refusal({{"security.protocol", "SASL_SSL"},
                     {"sasl.mechanism", "SCRAM-SHA-512"},
                     {"sasl.username", "app"},
                     {"sasl.password", "s3cret"},
                     {"ssl.ca.pem", "-----BEGIN CERTIFICATE-----"},
                     {"ssl.certificate.pem", "-----BEGIN CERTIFICATE-----"},
                     {"ssl.key.pem", "-----BEGIN PRIVATE KEY-----"},
                     {"client.id", "stats"},
                     {"socket.timeout.ms", "30000"},
                     {"compression.type", "lz4"}}),
            "");
  EXPECT_EQ(refusal({}), "");
}

struct Refused {
  const char* name;
  const char* value;
  const char* reason;  // part of the message
};

class RefusedProperty : public ::testing::TestWithParam<Refused> {};

TEST_P(RefusedProperty, IsRefusedByNameWithTheReasonAndWithoutItsValue) {
  const Refused r = GetParam();
  const std::string message = refusal({{r.name, r.value}});
  EXPECT_NE(message.find(std::string("'") + r.name + "'"), std::string::npos) << message;
  EXPECT_NE(message.find(r.reason), std::string::npos) << message;
  EXPECT_EQ(message.find(r.value), std::string::npos) << "the value leaked: " << message;
}

INSTANTIATE_TEST_SUITE_P(
    TheDangerousOnes, RefusedProperty,
    ::testing::Values(Refused{"sasl.kerberos.kinit.cmd", "touch /tmp/pwned", "shell command"},
                      Refused{"sasl.kerberos.keytab", "/etc/krb5.keytab", "Kerberos"},
                      Refused{"plugin.library.paths", "/tmp/evil.so", "shared library"},
                      Refused{"ssl.engine.location", "/tmp/engine.so", "OpenSSL engine"},
                      Refused{"ssl.ca.location", "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt", "PEM text"},
                      Refused{"ssl.keystore.location", "/etc/keystore.p12", "PEM text"},
                      Refused{"sasl.oauthbearer.token.endpoint.url", "http://169.254.169.254/", "fetches a URL"},
                      Refused{"debug", "broker,security", "credentials"},
                      Refused{"enable.ssl.certificate.verification", "false", "cannot be turned off"},
                      Refused{"bootstrap.servers", "evil:9092", "bootstrapServers"},
                      Refused{"group.id", "someone-elses-group", "exactly-once"},
                      Refused{"transactional.id", "someone-elses-tx", "exactly-once"},
                      Refused{"log_cb", "x", "not one of"},
                      Refused{"sasl.mechanism", "GSSAPI", "not allowed"},
                      Refused{"sasl.mechanisms", "OAUTHBEARER", "not allowed"},
                      Refused{"security.protocol", "my-password-by-mistake", "not allowed"}));

// The reproduced attack, end to end through the admin pool with the real
// librdkafka client factory: no broker is needed for the command to run
// inside rd_kafka_new, so the canary file shows whether it did.
TEST(KafkaAdminPoolSecurity, ASecretThatWouldRunACommandInTheOperatorIsRefusedBeforeAnyClientExists) {
  const auto canary = std::filesystem::temp_directory_path() / ("kappa-canary-" + std::to_string(::getpid()));
  std::filesystem::remove(canary);
  kappa::testing::FakeKubeClient client;
  client.create(kappa::kube::resources::kSecrets, "team",
                {{"apiVersion", "v1"},
                 {"kind", "Secret"},
                 {"metadata", {{"name", "kafka-client"}, {"namespace", "team"}}},
                 {"stringData",
                  {{"security.protocol", "SASL_PLAINTEXT"},
                   {"sasl.mechanisms", "GSSAPI"},
                   {"sasl.kerberos.kinit.cmd", "touch " + canary.string()}}}});
  int clients_made = 0;
  kappa::controllers::KafkaAdminPool pool(
      client,
      [&](const kappa::kafka::KafkaConnection& c) {
        ++clients_made;
        return std::make_shared<kappa::kafka::RdKafkaAdmin>(c);
      },
      std::chrono::seconds(1));
  kappa::api::PipelineSpec spec;
  spec.ns = "team";
  spec.bootstrap_servers = "127.0.0.1:1";
  spec.secret_name = "kafka-client";
  EXPECT_THROW(pool.access(spec), PropertyRefused);
  EXPECT_EQ(clients_made, 0);
  // The command would run on a librdkafka thread soon after the client
  // exists: give it the time it took when this was reproduced, and more.
  EXPECT_FALSE(kappa::testing::wait_for(std::chrono::seconds(3), [&] { return std::filesystem::exists(canary); }))
      << "the Secret ran a command in the operator";
  std::filesystem::remove(canary);
}

}  // namespace

namespace {

// librdkafka's own message for a refused value repeats the value: a
// password put in the wrong property must not reach a log or a condition.
TEST(KafkaClientConfig, ARefusedValueIsNeverRepeatedInTheError) {
  try {
    kappa::rdkafka::make_conf({{"security.protocol", "hunter2-password"}});
    FAIL() << "librdkafka accepted the value";
  } catch (const std::invalid_argument& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("security.protocol"), std::string::npos) << message;
    EXPECT_EQ(message.find("hunter2-password"), std::string::npos) << message;
  }
}

}  // namespace
