#pragma once
// A namespace of its own with the CRDs installed, an input topic full of
// user events, and the real kappa-operator binary watching only that
// namespace (so tests running side by side never share an operator).
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "api/names.h"
#include "kafka/connection.h"
#include "kafka/rdkafka_admin.h"
#include "kube/api_error.h"
#include "support/event_log.h"
#include "support/http_get.h"
#include "support/kafka_helpers.h"
#include "support/metric_text.h"
#include "support/namespaced_test.h"
#include "support/subprocess.h"
#include "support/wait.h"

namespace kappa::testing {

using nlohmann::json;
using namespace std::chrono_literals;

// The image the local stack maps to examples/streams-user-stats, a Kafka
// Streams processor (dev/build-examples.sh builds it; make test does).
inline constexpr const char* kStreamsImage = "kappa.dev/streams-user-stats:1";

// Skips a test that runs kStreamsImage when the example is not built, and
// fails it instead under KAPPA_REQUIRE_STACK=1 (CI must not skip).
#define KAPPA_NEEDS_STREAMS_EXAMPLE()                                                                   \
  do {                                                                                                \
    const char* path_ = KAPPA_STREAMS_EXAMPLE;                                                        \
    if (!std::filesystem::exists(path_)) {                                                            \
      if (stack_required()) FAIL() << path_ << " is missing: run dev/build-examples.sh";               \
      GTEST_SKIP() << "SKIPPED: " << path_ << " is missing (dev/build-examples.sh builds it)";       \
    }                                                                                                 \
  } while (0)

// A crash point's test name: "after-service-write" -> after_service_write.
inline std::string crash_point_test_name(const ::testing::TestParamInfo<const char*>& info) {
  std::string name = info.param;
  std::replace(name.begin(), name.end(), '-', '_');
  return name;
}

class OperatorTest : public NamespacedTest {
 protected:
  OperatorTest() : NamespacedTest("op") {}

  void SetUp() override {
    NamespacedTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    install_crds();
    bootstrap_ = stack_env().kafka_bootstrap;
    kafka::KafkaConnection connection;
    connection.bootstrap_servers = bootstrap_;
    admin_ = std::make_unique<kafka::RdKafkaAdmin>(connection);
    input_topic_ = ns_ + ".events";
    admin_->create_topic({input_topic_, 3, 1, {{"cleanup.policy", "delete"}}});
    start_operator();
  }

  void TearDown() override {
    if (HasFailure()) dump_state();
    // The Pipeline's finalizer needs the operator: delete while it runs.
    if (client_ && operator_) delete_pipelines_and_wait();
    operator_.reset();
    if (admin_) {
      for (const auto& topic : admin_->list_topics(ns_ + ".")) admin_->delete_topic(topic);
      for (const auto& group : admin_->list_groups("kappa." + ns_ + ".")) {
        try {
          admin_->delete_group(group);
        } catch (const std::exception&) {
        }
      }
    }
    NamespacedTest::TearDown();
  }

  static void install_crds() {
    const std::string crds = std::string(KAPPA_SOURCE_DIR) + "/crds/";
    ASSERT_EQ(std::system(("kubectl apply --server-side --force-conflicts -f " + crds + " >/dev/null").c_str()), 0);
    ASSERT_EQ(std::system("kubectl wait --for=condition=Established crd/pipelines.kappa.dev "
                          "crd/reprocessings.kappa.dev --timeout=60s >/dev/null"),
              0);
  }

  void start_operator(const std::map<std::string, std::string>& env = {},
                      const std::vector<std::string>& extra_args = {}) {
    metrics_port_ = processor::free_port();
    operator_ = launch_operator(ns_, metrics_port_, env, extra_args);
  }

  // The operator binary watching only `ns`, its log in the test's TempDir.
  static std::unique_ptr<processor::Subprocess> launch_operator(const std::string& ns, int metrics_port,
                                                                const std::map<std::string, std::string>& env = {},
                                                                const std::vector<std::string>& extra_args = {}) {
    const std::string log = std::string(::testing::TempDir()) + "/" + ns + "-operator.log";
    std::vector<std::string> args{"--kubeconfig", stack_env().kubeconfig, "--watch-namespace", ns,
                                  "--leader-election-namespace", ns, "--metrics-bind-address",
                                  "127.0.0.1:" + std::to_string(metrics_port), "--health-probe-bind-address", "0",
                                  "--lag-poll-interval", "1s", "--retry-interval", "2s", "--stall-window", "60s",
                                  "--log-level", "debug"};
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    return std::make_unique<processor::Subprocess>(KAPPA_OPERATOR_BINARY, args, env, log);
  }

  // Short Lease timings for tests that SIGKILL the leader: its Lease
  // expires in 4 s instead of client-go's 15 s.
  static std::vector<std::string> fast_lease() {
    return {"--leader-elect-lease-duration", "4s", "--leader-elect-renew-deadline", "3s",
            "--leader-elect-retry-period", "1s"};
  }

  // Restarts the operator so that it SIGKILLs itself at crash point `point`
  // (KAPPA_CRASH_AT), runs `trigger` to set off what reaches it, and waits
  // for that death. Wrap in ASSERT_NO_FATAL_FAILURE.
  void crash_operator_at(const std::string& point, const std::function<void()>& trigger,
                         std::chrono::milliseconds timeout = 180s) {
    kill_operator();
    start_operator({{"KAPPA_CRASH_AT", point}}, fast_lease());
    trigger();
    const auto code = operator_->wait_exit(timeout);
    ASSERT_TRUE(code.has_value()) << "the operator never reached crash point " << point;
    ASSERT_EQ(*code, 128 + SIGKILL) << operator_->log();
  }

  // After a crash: a fresh operator finishes the rollout to v2 of "stats",
  // v1 is gone, and the only Deployment left is v2's.
  void restart_and_expect_v2_alone() {
    start_operator({}, fast_lease());
    await_service_version("stats", 2);
    expect_version_gone("stats", 1);
    await_pipeline_condition("stats", "Ready", "True", 60s, "RolloutComplete");
    const auto deployments = client_->list(kube::resources::kDeployments, ns_, {});
    ASSERT_EQ(deployments["items"].size(), 1u) << deployments.dump();
    EXPECT_EQ(deployments["items"][0]["metadata"].value("name", ""), "stats-v2");
  }

  // SIGKILL: no lease release, no cleanup; a restart must converge.
  void kill_operator() {
    operator_->send(SIGKILL);
    operator_->wait_exit(10s);
  }

  // The canonical user-stats Pipeline, fast settings for tests.
  json pipeline_manifest(const std::string& name, const json& rollout_overrides = json::object()) const {
    json rollout = {{"maxLag", 0}, {"stableFor", "2s"}, {"retireAfter", "5s"}, {"keepRetiredTables", 0}};
    rollout.update(rollout_overrides);
    return {{"apiVersion", "kappa.dev/v1alpha1"},
            {"kind", "Pipeline"},
            {"metadata", {{"name", name}, {"namespace", ns_}}},
            {"spec",
             {{"kafka", {{"bootstrapServers", bootstrap_}}},
              {"input", {{"topic", input_topic_}}},
              {"processor",
               {{"image", "kappa.dev/kappa-processor:1"},
                {"replicas", 1},
                {"config",
                 {{"key", "user_id"},
                  {"aggregates",
                   {{"total_events", {{"op", "count"}}},
                    {"total_revenue", {{"op", "sum"}, {"field", "revenue"}}},
                    {"total_sessions", {{"op", "count_distinct"}, {"field", "session_id"}}}}}}}}},
              {"output", {{"partitions", 3}, {"replicationFactor", 1}}},
              {"serving", {{"serviceName", name}, {"port", 8080}}},
              {"rollout", rollout}}}};
  }

  // Event i's revenue: cents, as money comes, so that no sum is exact in
  // binary and a sum's result depends on how it is added up.
  static double revenue_of(int i) { return static_cast<double>(i % 997 + 1) / 100.0; }

  // How produce_events keys its records: by user_id (the view key), not at
  // all, or by something else.
  enum class Keying { ByUser, Null, Other };

  // `count` events over `users` users, keyed as `keying` says.
  void produce_events(int count, int users, int seed = 1, Keying keying = Keying::ByUser) {
    std::vector<processor::Record> records;
    for (int i = 0; i < count; ++i) {
      const std::string user = "u-" + std::to_string((i * 7 + seed) % users);
      const std::string key = keying == Keying::ByUser ? user
                              : keying == Keying::Null ? ""
                                                       : "k-" + std::to_string(i * 31 % 1009);
      records.push_back({key, json{{"user_id", user},
                                    {"revenue", revenue_of(i)},
                                    {"session_id", "s-" + std::to_string(i % 13)}}
                                   .dump()});
    }
    processor::produce_all(bootstrap_, input_topic_, records);
  }

  json get(const kube::Resource& r, const std::string& name) { return client_->get(r, ns_, name); }
  std::optional<json> find(const kube::Resource& r, const std::string& name) {
    try {
      return client_->get(r, ns_, name);
    } catch (const kube::ApiError& e) {
      if (e.kind() == kube::ApiErrorKind::NotFound) return std::nullopt;
      throw;
    }
  }

  static std::string condition(const json& object, const std::string& type, std::string* reason = nullptr) {
    for (const auto& c : object.value("status", json::object()).value("conditions", json::array())) {
      if (c.value("type", "") == type) {
        if (reason) *reason = c.value("reason", "");
        return c.value("status", "");
      }
    }
    return "";
  }

  // The pods of `version` of `pipeline`, as the API server lists them.
  json version_pods(const std::string& pipeline, int64_t version) {
    kube::ListOptions options;
    options.label_selector = std::string(api::kLabelPipeline) + "=" + pipeline + "," + api::kLabelVersion + "=" +
                             std::to_string(version);
    return client_->list(kube::resources::kPods, ns_, options);
  }

  // GET /v1/keys/<key> on a Ready pod of `version` (Services have no
  // endpoints on the local stack: pods are reached by their IP).
  std::optional<json> query_version(const std::string& pipeline, int64_t version, const std::string& key) {
    const json pods = version_pods(pipeline, version);
    for (const auto& pod : pods["items"]) {
      const std::string ip = pod.value("status", json::object()).value("podIP", "");
      if (ip.empty()) continue;
      const auto answer = processor::http_get(ip, 8080, "/v1/keys/" + key);
      if (answer.status == 200) return json::parse(answer.body).value("value", json::object());
      last_answer_ = ip + ": HTTP " + std::to_string(answer.status) + " " + answer.body;
    }
    return std::nullopt;
  }

  // Waits until the Pipeline's condition `type` has `status`; fails with
  // the Pipeline's status when it does not in time.
  // Returns the Pipeline as last read (its condition's message, say).
  json await_pipeline_condition(const std::string& name, const std::string& type, const std::string& status,
                                std::chrono::milliseconds timeout = 180s, const std::string& reason = "") {
    json last;
    const bool ok = wait_for(timeout, [&] {
      last = get(api::kPipelines, name);
      std::string r;
      return condition(last, type, &r) == status && (reason.empty() || r == reason);
    });
    [&] {  // a fatal failure, as before, from a function that returns a value
      ASSERT_TRUE(ok) << "Pipeline " << name << " condition " << type << " != " << status << " " << reason
                      << "; status: " << last.value("status", json::object()).dump(2);
    }();
    return last;
  }

  std::optional<int64_t> service_version(const std::string& service) {
    const auto s = find(kube::resources::kServices, service);
    if (!s) return std::nullopt;
    const std::string v = (*s)["spec"]["selector"].value(api::kLabelVersion, "");
    return v.empty() ? std::nullopt : std::optional<int64_t>(std::stoll(v));
  }

  // The Reprocessing building `version` of `pipeline`, if any.
  std::optional<json> reprocessing_of(const std::string& pipeline, int64_t version) {
    const auto list = client_->list(api::kReprocessings, ns_, {});
    for (const auto& r : list["items"]) {
      if (r["spec"]["pipelineRef"].value("name", "") == pipeline &&
          r.value("status", json::object()).value("version", int64_t{0}) == version) {
        return r;
      }
    }
    return std::nullopt;
  }

  // Waits until the Reprocessing of `version` is in `phase`; returns it.
  json await_phase(const std::string& pipeline, int64_t version, const std::string& phase,
                   std::chrono::milliseconds timeout = 180s) {
    std::optional<json> rp;
    const bool ok = wait_for(timeout, [&] {
      rp = reprocessing_of(pipeline, version);
      return rp && (*rp)["status"].value("phase", "") == phase;
    });
    EXPECT_TRUE(ok) << "v" << version << " never reached " << phase << "; last: " << (rp ? rp->dump() : "none");
    return rp.value_or(json::object());
  }

  void await_service_version(const std::string& service, int64_t version, std::chrono::milliseconds timeout = 180s) {
    ASSERT_TRUE(wait_for(timeout, [&] { return service_version(service) == version; }))
        << "Service " << service << " never selected v" << version << " (selects "
        << service_version(service).value_or(0) << ")";
  }

  // A new version template: one more aggregate named `name`.
  void change_template(const std::string& pipeline, const std::string& aggregate) {
    patch_spec(api::kPipelines, pipeline,
               {{"processor", {{"config", {{"aggregates", {{aggregate, {{"op", "max"}, {"field", "revenue"}}}}}}}}}});
  }

  // Nothing of version N is left: Deployment, consumer group, table, changelog.
  void expect_version_gone(const std::string& pipeline, int64_t version) {
    const std::string v = std::to_string(version);
    EXPECT_TRUE(wait_for(60s, [&] {
      return !find(kube::resources::kDeployments, pipeline + "-v" + v) &&
             !group_exists("kappa." + ns_ + "." + pipeline + ".v" + v) &&
             !topic_exists(ns_ + "." + pipeline + ".v" + v) && !topic_exists(ns_ + "." + pipeline + ".v" + v + ".state") &&
             !topic_exists("kappa." + ns_ + "." + pipeline + ".v" + v + "-kappa-repartition");
    })) << "v" << version << " left something behind";
  }

  bool group_exists(const std::string& group) {
    const auto groups = admin_->list_groups(group);
    return std::find(groups.begin(), groups.end(), group) != groups.end();
  }
  bool topic_exists(const std::string& topic) {
    const auto topics = admin_->list_topics(topic);
    return std::find(topics.begin(), topics.end(), topic) != topics.end();
  }

  // The operator's /metrics now ("" when it does not answer).
  std::string scrape() {
    const auto answer = processor::http_get("127.0.0.1", metrics_port_, "/metrics");
    return answer.status == 200 ? answer.body : std::string();
  }
  std::string of_pipeline(const std::string& family, const std::string& pipeline) const {
    return family + "{namespace=\"" + ns_ + "\",pipeline=\"" + pipeline + "\"}";
  }
  std::string of_version(const std::string& family, const std::string& pipeline, int64_t version) const {
    return family + "{namespace=\"" + ns_ + "\",pipeline=\"" + pipeline + "\",version=\"" +
           std::to_string(version) + "\"}";
  }
  // No per-version gauge of `version` is left in /metrics.
  bool version_series_gone(const std::string& pipeline, int64_t version) {
    const std::string text = scrape();
    if (text.empty()) return false;
    for (const char* family : {"kappa_operator_version_lag_records", "kappa_operator_version_progress_ratio",
                               "kappa_operator_version_eta_seconds", "kappa_operator_version_records_per_second"}) {
      if (metric_value(text, of_version(family, pipeline, version))) return false;
    }
    return true;
  }

  void patch_spec(const kube::Resource& r, const std::string& name, const json& spec) {
    client_->patch(r, ns_, name, kube::PatchType::Merge, {{"spec", spec}}, {});
  }

  void delete_pipelines_and_wait() {
    try {
      const auto list = client_->list(api::kPipelines, ns_, {});
      for (const auto& p : list["items"]) client_->remove(api::kPipelines, ns_, p["metadata"].value("name", ""), {});
      wait_for(60s, [&] { return client_->list(api::kPipelines, ns_, {})["items"].empty(); });
    } catch (const std::exception& e) {
      ADD_FAILURE() << "cleanup: " << e.what();
    }
  }

  // The namespace's topics become exactly `want`. Kafka deletes topics
  // asynchronously: the last one the operator deleted may still be listed
  // for a moment after the operator is done.
  ::testing::AssertionResult topics_become(const std::vector<std::string>& want,
                                           std::chrono::seconds limit = std::chrono::seconds(20)) {
    if (wait_for(limit, [&] { return admin_->list_topics(ns_ + ".") == want; })) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "topics " << ::testing::PrintToString(admin_->list_topics(ns_ + "."))
                                         << ", want " << ::testing::PrintToString(want);
  }

  void dump_state() {
    if (operator_) {
      const std::string log = operator_->log();
      std::cerr << "---- operator log (" << operator_->log_path() << ") ----\n"
                << log.substr(log.size() > 20000 ? log.size() - 20000 : 0);
    }
    if (ns_.empty()) return;  // the test stopped before it had a namespace
    std::system(("kubectl get pipelines,reprocessings,deployments,services,pods -n " + ns_ + " -o yaml | tail -c 20000 >&2").c_str());
    std::system(("kubectl get events -n " + ns_ + " --sort-by=.lastTimestamp | tail -40 >&2").c_str());
    // The processors' side of the story: the last lines of every pod's log.
    std::system(("for pod in $(kubectl get pods -n " + ns_ + " -o name); do echo \"---- $pod log ----\"; "
                 "kubectl logs -n " + ns_ + " \"$pod\" --all-containers --tail=30; done >&2").c_str());
  }

  std::string bootstrap_;
  std::string input_topic_;
  std::string last_answer_;  // the last failed answer of query_version
  std::unique_ptr<kafka::RdKafkaAdmin> admin_;
  std::unique_ptr<processor::Subprocess> operator_;
  int metrics_port_ = 0;
};

// The version of every Reprocessing of `pipeline` with its phase.
inline std::map<int64_t, std::string> phases(const json& reprocessing_list, const std::string& pipeline) {
  std::map<int64_t, std::string> out;
  for (const auto& r : reprocessing_list["items"]) {
    if (r["spec"]["pipelineRef"].value("name", "") != pipeline) continue;
    const auto status = r.value("status", json::object());
    out[status.value("version", int64_t{0})] = status.value("phase", "");
  }
  return out;
}

}  // namespace kappa::testing
