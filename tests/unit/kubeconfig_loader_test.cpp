#include "kube/in_cluster_config.h"
#include "kube/kubeconfig_loader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "kappa/common/base64.h"

namespace {

namespace fs = std::filesystem;
using kappa::kube::ConfigError;
using kappa::kube::load_kubeconfig;
using ::testing::HasSubstr;

class KubeconfigLoader : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("kubeconfig-test-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
            "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& text) {
    const auto path = dir_ / name;
    std::ofstream(path) << text;
    return path.string();
  }

  // Expects loading to throw a ConfigError whose message contains `needle`.
  std::string error_of(const std::string& path) {
    try {
      load_kubeconfig(path);
    } catch (const ConfigError& e) {
      return e.what();
    }
    ADD_FAILURE() << "no ConfigError for " << path;
    return {};
  }

  fs::path dir_;
};

constexpr const char* kTwoContexts = R"(
apiVersion: v1
kind: Config
current-context: dev
clusters:
- name: dev-cluster
  cluster:
    server: https://127.0.0.1:6443/
    certificate-authority-data: Q0EtUEVN
- name: prod-cluster
  cluster:
    server: https://prod.example:443
    insecure-skip-tls-verify: true
users:
- name: dev-user
  user:
    token: abc123
- name: prod-user
  user:
    client-certificate: certs/client.crt
    client-key-data: S0VZ
contexts:
- name: dev
  context: {cluster: dev-cluster, user: dev-user, namespace: team-a}
- name: prod
  context: {cluster: prod-cluster, user: prod-user}
)";

TEST_F(KubeconfigLoader, ResolvesCurrentContext) {
  const auto config = load_kubeconfig(write("config", kTwoContexts));
  EXPECT_EQ(config.server, "https://127.0.0.1:6443");  // trailing slash dropped
  EXPECT_EQ(config.ca_pem, "CA-PEM");
  EXPECT_EQ(config.bearer_token, "abc123");
  EXPECT_EQ(config.default_namespace, "team-a");
  EXPECT_FALSE(config.insecure_skip_tls_verify);
  EXPECT_THAT(config.source, HasSubstr("context dev"));
}

TEST_F(KubeconfigLoader, ResolvesNamedContextWithRelativeFiles) {
  fs::create_directories(dir_ / "certs");
  write("certs/client.crt", "CERT-PEM");
  const auto config = load_kubeconfig(write("config", kTwoContexts), "prod");
  EXPECT_EQ(config.server, "https://prod.example:443");
  EXPECT_TRUE(config.insecure_skip_tls_verify);
  EXPECT_EQ(config.client_cert_pem, "CERT-PEM");
  EXPECT_EQ(config.client_key_pem, "KEY");
  EXPECT_EQ(config.default_namespace, "default");
}

TEST_F(KubeconfigLoader, MissingFileNamesThePath) {
  const auto message = error_of((dir_ / "nope").string());
  EXPECT_THAT(message, HasSubstr("nope"));
  EXPECT_THAT(message, HasSubstr("does not exist"));
}

TEST_F(KubeconfigLoader, MalformedYamlNamesTheFile) {
  const auto path = write("config", "clusters: [unclosed\n");
  const auto message = error_of(path);
  EXPECT_THAT(message, HasSubstr(path));
  EXPECT_THAT(message, HasSubstr("not valid YAML"));
}

TEST_F(KubeconfigLoader, UnknownContextNamesTheField) {
  const auto path = write("config", "current-context: ghost\ncontexts: []\n");
  EXPECT_THAT(error_of(path), HasSubstr("contexts: no entry named 'ghost'"));
}

TEST_F(KubeconfigLoader, MissingServerNamesTheField) {
  const auto path = write("config", R"(
current-context: c
clusters: [{name: k, cluster: {certificate-authority-data: Q0E=}}]
contexts: [{name: c, context: {cluster: k}}]
)");
  EXPECT_THAT(error_of(path), HasSubstr("clusters[k].cluster.server: missing"));
}

TEST_F(KubeconfigLoader, BadBase64NamesTheField) {
  const auto path = write("config", R"(
current-context: c
clusters: [{name: k, cluster: {server: "https://x", certificate-authority-data: "!!"}}]
contexts: [{name: c, context: {cluster: k}}]
)");
  EXPECT_THAT(error_of(path), HasSubstr("certificate-authority-data: not valid base64"));
}

TEST_F(KubeconfigLoader, ExecPluginIsClearlyUnsupported) {
  const auto path = write("config", R"(
current-context: c
clusters: [{name: k, cluster: {server: "https://x"}}]
users: [{name: u, user: {exec: {command: aws}}}]
contexts: [{name: c, context: {cluster: k, user: u}}]
)");
  EXPECT_THAT(error_of(path), HasSubstr("users[u].user.exec: exec credential plugins are not supported"));
}

TEST_F(KubeconfigLoader, UnreadableCertificateFileNamesFieldAndPath) {
  const auto path = write("config", R"(
current-context: c
clusters: [{name: k, cluster: {server: "https://x", certificate-authority: missing-ca.crt}}]
contexts: [{name: c, context: {cluster: k}}]
)");
  const auto message = error_of(path);
  EXPECT_THAT(message, HasSubstr("clusters[k].cluster.certificate-authority"));
  EXPECT_THAT(message, HasSubstr("missing-ca.crt"));
}

TEST_F(KubeconfigLoader, CertificateWithoutKeyIsRejected) {
  const auto path = write("config", R"(
current-context: c
clusters: [{name: k, cluster: {server: "https://x"}}]
users: [{name: u, user: {client-certificate-data: Q0VSVA==}}]
contexts: [{name: c, context: {cluster: k, user: u}}]
)");
  EXPECT_THAT(error_of(path), HasSubstr("must be given together"));
}

}  // namespace

namespace {

using kappa::kube::load_in_cluster_config;

class InClusterConfig : public KubeconfigLoader {
 protected:
  void SetUp() override {
    KubeconfigLoader::SetUp();
    setenv("KUBERNETES_SERVICE_HOST", "10.0.0.1", 1);
    setenv("KUBERNETES_SERVICE_PORT", "443", 1);
  }
  void TearDown() override {
    unsetenv("KUBERNETES_SERVICE_HOST");
    unsetenv("KUBERNETES_SERVICE_PORT");
    KubeconfigLoader::TearDown();
  }
};

TEST_F(InClusterConfig, ReadsTheServiceAccountMount) {
  write("ca.crt", "CA");
  write("token", "t1\n");
  write("namespace", "kappa-system\n");
  const auto config = load_in_cluster_config(dir_.string());
  EXPECT_EQ(config.server, "https://10.0.0.1:443");
  EXPECT_EQ(config.ca_pem, "CA");
  EXPECT_EQ(config.bearer_token_file, (dir_ / "token").string()) << "the token is re-read, not copied";
  EXPECT_EQ(config.default_namespace, "kappa-system");
}

TEST_F(InClusterConfig, MissingTokenNamesTheFile) {
  write("ca.crt", "CA");
  try {
    load_in_cluster_config(dir_.string());
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("service-account token"));
    EXPECT_THAT(e.what(), HasSubstr((dir_ / "token").string()));
  }
}

TEST_F(InClusterConfig, MissingEnvironmentIsExplained) {
  unsetenv("KUBERNETES_SERVICE_HOST");
  EXPECT_THROW(load_in_cluster_config(dir_.string()), ConfigError);
}

}  // namespace
