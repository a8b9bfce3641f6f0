#include "kappa/common/kafka_properties.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

namespace kappa::kafka {
namespace {

TEST(KafkaProperties, EnvNamesMapToPropertyNames) {
  EXPECT_EQ(property_name_from_env("SASL_MECHANISM"), "sasl.mechanism");
  EXPECT_EQ(property_name_from_env("SSL_CA_LOCATION"), "ssl.ca.location");
  EXPECT_EQ(property_name_from_env("SOME__ODD_NAME"), "some_odd.name");
}

TEST(KafkaProperties, FromEnvironmentWithThePrefixOnly) {
  std::string a = "KAFKA_PROP_SASL_USERNAME=alice", b = "KAFKA_BOOTSTRAP_SERVERS=x:1",
              c = "KAFKA_PROP_SASL_PASSWORD=s=cret", d = "KAFKA_PROP_=ignored";
  char* environment[] = {a.data(), b.data(), c.data(), d.data(), nullptr};
  const Properties expected = {{"sasl.password", "s=cret"}, {"sasl.username", "alice"}};
  EXPECT_EQ(properties_from_env(environment), expected);
  EXPECT_TRUE(properties_from_env(nullptr).empty());
}

TEST(KafkaProperties, Assignments) {
  EXPECT_EQ(parse_property_assignment(" a.b = c=d "), (std::pair<std::string, std::string>{"a.b", "c=d"}));
  EXPECT_THROW(parse_property_assignment("a.b"), std::invalid_argument);
  EXPECT_THROW(parse_property_assignment("=x"), std::invalid_argument);
}

TEST(KafkaProperties, FromAFile) {
  const auto path = std::filesystem::temp_directory_path() / "kappa-kafka-properties-test.properties";
  {
    std::ofstream out(path);
    out << "# SASL\n\nsecurity.protocol=SASL_SSL\n! another comment\n  sasl.username = bob  \n";
  }
  const Properties expected = {{"security.protocol", "SASL_SSL"}, {"sasl.username", "bob"}};
  EXPECT_EQ(properties_from_file(path.string()), expected);
  {
    std::ofstream out(path);
    out << "ok=1\nbroken line\n";
  }
  try {
    properties_from_file(path.string());
    ADD_FAILURE() << "accepted a broken line";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("line 2"), std::string::npos) << e.what();
  }
  std::filesystem::remove(path);
  EXPECT_THROW(properties_from_file(path.string()), std::invalid_argument);
}

}  // namespace
}  // namespace kappa::kafka
