// The typed client against the real kube-apiserver: paging, patches,
// server-side apply, status subresource, delete preconditions, typed errors.
#include "kube/http_kube_client.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <fstream>

#include "kube/api_error.h"
#include "support/kube_test_client.h"
#include "support/namespaced_test.h"

namespace {

using nlohmann::json;
using kappa::kube::ApiError;
using kappa::kube::ApiErrorKind;
using kappa::kube::HttpKubeClient;
using kappa::kube::ListOptions;
using kappa::kube::PatchType;
namespace res = kappa::kube::resources;

class KubeClientTest : public kappa::testing::NamespacedTest {
 protected:
  KubeClientTest() : NamespacedTest("kc") {}

  json config_map(const std::string& name, const json& labels = json::object()) {
    return {{"apiVersion", "v1"},
            {"kind", "ConfigMap"},
            {"metadata", {{"name", name}, {"namespace", ns_}, {"labels", labels}}},
            {"data", {{"k", "v"}}}};
  }

  // Runs `call` and returns the ApiError kind it threw.
  template <typename F>
  ApiErrorKind error_kind(F call) {
    try {
      call();
    } catch (const ApiError& e) {
      return e.kind();
    }
    ADD_FAILURE() << "expected an ApiError";
    return ApiErrorKind::Other;
  }
};

TEST_F(KubeClientTest, ListPagesThroughContinueTokens) {
  for (int i = 0; i < 5; ++i) client_->create(res::kConfigMaps, ns_, config_map("cm-" + std::to_string(i), {{"set", "paged"}}));
  client_->create(res::kConfigMaps, ns_, config_map("other", {{"set", "other"}}));

  ListOptions options;
  options.label_selector = "set=paged";
  options.limit = 2;
  const json first = client_->list(res::kConfigMaps, ns_, options);
  EXPECT_EQ(first["items"].size(), 2u);
  EXPECT_FALSE(first["metadata"].value("continue", "").empty()) << "a limited list must give a continue token";

  const json all = kappa::kube::list_all(*client_, res::kConfigMaps, ns_, options);
  ASSERT_EQ(all["items"].size(), 5u);
  for (const auto& item : all["items"]) EXPECT_EQ(item["metadata"]["labels"]["set"], "paged");
}

TEST_F(KubeClientTest, TypedErrors) {
  client_->create(res::kConfigMaps, ns_, config_map("dup"));
  EXPECT_EQ(error_kind([&] { client_->create(res::kConfigMaps, ns_, config_map("dup")); }), ApiErrorKind::AlreadyExists);
  EXPECT_EQ(error_kind([&] { client_->get(res::kConfigMaps, ns_, "missing"); }), ApiErrorKind::NotFound);

  try {
    client_->create(res::kConfigMaps, ns_, config_map("Not_A_Valid_Name"));
    FAIL() << "an invalid name must be refused";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.kind(), ApiErrorKind::Invalid);
    ASSERT_FALSE(e.causes().empty());
    EXPECT_EQ(e.causes()[0].field, "metadata.name");
  }

  json stale = client_->get(res::kConfigMaps, ns_, "dup");
  json fresh = stale;
  fresh["data"]["k"] = "fresh";
  client_->update(res::kConfigMaps, fresh);
  stale["data"]["k"] = "stale";
  EXPECT_EQ(error_kind([&] { client_->update(res::kConfigMaps, stale); }), ApiErrorKind::Conflict);
}

TEST_F(KubeClientTest, MergePatchAndServerSideApply) {
  client_->create(res::kConfigMaps, ns_, config_map("patched"));
  const json merged = client_->patch(res::kConfigMaps, ns_, "patched", PatchType::Merge,
                                     {{"data", {{"added", "yes"}}}}, {});
  EXPECT_EQ(merged["data"]["k"], "v");
  EXPECT_EQ(merged["data"]["added"], "yes");

  json applied = config_map("applied");
  applied["data"] = {{"owner", "kappa"}};
  kappa::kube::PatchOptions apply;
  apply.field_manager = "kappa-test";
  apply.force = true;
  const json result = client_->patch(res::kConfigMaps, ns_, "applied", PatchType::Apply, applied, apply);
  EXPECT_EQ(result["data"]["owner"], "kappa");
  bool managed = false;
  for (const auto& entry : result["metadata"]["managedFields"]) {
    if (entry["manager"] == "kappa-test" && entry["operation"] == "Apply") managed = true;
  }
  EXPECT_TRUE(managed) << "server-side apply must record our field manager";
}

TEST_F(KubeClientTest, StatusSubresourceIsSeparateFromSpec) {
  const json deployment = {
      {"apiVersion", "apps/v1"},
      {"kind", "Deployment"},
      {"metadata", {{"name", "status-probe"}, {"namespace", ns_}}},
      {"spec",
       {{"replicas", 0},
        {"selector", {{"matchLabels", {{"app", "status-probe"}}}}},
        {"template",
         {{"metadata", {{"labels", {{"app", "status-probe"}}}}},
          {"spec", {{"containers", {{{"name", "c"}, {"image", "kappa.dev/none:1"}}}}}}}}}}};
  const json created = client_->create(res::kDeployments, ns_, deployment);
  const auto generation = created["metadata"]["generation"].get<int>();

  // The Deployment controller writes this status too: on a conflict, read
  // again and retry, as client-go's RetryOnConflict does.
  json after;
  for (int attempt = 0;; ++attempt) {
    json current = client_->get(res::kDeployments, ns_, "status-probe");
    current["status"]["observedGeneration"] = 42;
    current["spec"]["replicas"] = 3;  // ignored by the status subresource
    try {
      after = client_->update_status(res::kDeployments, current);
      break;
    } catch (const kappa::kube::ApiError& e) {
      if (e.kind() != ApiErrorKind::Conflict || attempt >= 10) throw;
    }
  }
  EXPECT_EQ(after["status"]["observedGeneration"], 42);
  EXPECT_EQ(after["spec"]["replicas"], 0) << "a status write must not change spec";
  EXPECT_EQ(after["metadata"]["generation"], generation) << "status writes do not bump generation";
}

TEST_F(KubeClientTest, DeletePreconditionsGuardTheObject) {
  const json created = client_->create(res::kConfigMaps, ns_, config_map("guarded"));
  kappa::kube::DeleteOptions wrong_uid;
  wrong_uid.precondition_uid = "00000000-0000-0000-0000-000000000000";
  EXPECT_EQ(error_kind([&] { client_->remove(res::kConfigMaps, ns_, "guarded", wrong_uid); }),
            ApiErrorKind::Conflict);
  kappa::kube::DeleteOptions right_uid;
  right_uid.precondition_uid = created["metadata"]["uid"].get<std::string>();
  client_->remove(res::kConfigMaps, ns_, "guarded", right_uid);
  EXPECT_EQ(error_kind([&] { client_->get(res::kConfigMaps, ns_, "guarded"); }), ApiErrorKind::NotFound);
}

}  // namespace

namespace {

TEST(KubeClientAuth, RotatedTokenFileIsPickedUpWithoutRestart) {
  KAPPA_NEEDS_STACK();
  auto config = kappa::kube::load_kubeconfig(kappa::testing::stack_env().kubeconfig);
  const std::string good = config.bearer_token;
  const std::string file = "/tmp/" + kappa::testing::unique_name("token");
  std::ofstream(file) << "stale-token\n";
  config.bearer_token.clear();
  config.bearer_token_file = file;
  kappa::kube::RestClient client(config);
  EXPECT_EQ(client.send("GET", "/api/v1/namespaces/default").status, 401);
  std::ofstream(file) << good << "\n";  // the kubelet rotates the projected token
  EXPECT_EQ(client.send("GET", "/api/v1/namespaces/default").status, 200);
  std::remove(file.c_str());
}

}  // namespace

namespace {

// The API server's certificate is checked against the kubeconfig's CA only
// (client-go's rule), and for tls-server-name when the kubeconfig gives one.
class KubeClientTls : public ::testing::Test {
 protected:
  void SetUp() override {
    KAPPA_NEEDS_STACK();
    config_ = kappa::kube::load_kubeconfig(kappa::testing::stack_env().kubeconfig);
    ASSERT_FALSE(config_.ca_pem.empty()) << "the stack's kubeconfig names its CA";
  }
  void TearDown() override { unsetenv("SSL_CERT_FILE"); }
  static std::string write_temp(const std::string& name, const std::string& text) {
    const std::string path = std::string(::testing::TempDir()) + "/" + kappa::testing::unique_name(name);
    std::ofstream(path) << text;
    return path;
  }
  // A CA that signed nothing the API server holds.
  static std::string unrelated_ca() {
    const std::string dir = std::string(::testing::TempDir()) + "/" + kappa::testing::unique_name("ca");
    const std::string command = "mkdir -p " + dir + " && openssl req -x509 -newkey rsa:2048 -nodes -days 1 " +
                                "-subj /CN=unrelated -keyout " + dir + "/ca.key -out " + dir + "/ca.crt 2>/dev/null";
    EXPECT_EQ(std::system(command.c_str()), 0);
    std::ifstream in(dir + "/ca.crt");
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  kappa::kube::ClientConfig config_;
};

TEST_F(KubeClientTls, TheSystemsCasAreNotTrustedBesideTheClustersCa) {
  // The machine's default CA store now holds the cluster's CA...
  setenv("SSL_CERT_FILE", write_temp("system-cas", config_.ca_pem).c_str(), 1);
  {
    kappa::kube::RestClient trusted(config_);
    EXPECT_EQ(trusted.send("GET", "/api/v1/namespaces/default").status, 200);
  }
  // ...but the kubeconfig names another CA: that one alone counts.
  config_.ca_pem = unrelated_ca();
  kappa::kube::RestClient client(config_);
  EXPECT_THROW(client.send("GET", "/api/v1/namespaces/default"), kappa::kube::TransportError);
}

TEST_F(KubeClientTls, TlsServerNameIsTheNameTheCertificateMustHold) {
  config_.tls_server_name = "kubernetes.default";  // in the API server's certificate
  kappa::kube::RestClient named(config_);
  EXPECT_EQ(named.send("GET", "/api/v1/namespaces/default").status, 200);

  config_.tls_server_name = "not-the-apiserver.example";  // the address (127.0.0.1) would match
  kappa::kube::RestClient misnamed(config_);
  EXPECT_THROW(misnamed.send("GET", "/api/v1/namespaces/default"), kappa::kube::TransportError);
}

}  // namespace
