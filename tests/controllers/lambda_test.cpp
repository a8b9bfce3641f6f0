// Lambda Pipelines on the real stack (docs/lambda.md): a generation's batch
// Job runs the real processor bounded to the snapshot the operator took,
// its speed layer starts there, and serving answers merge(batch, speed),
// equal to a fold of the whole log. A batch run that fails leaves the
// serving generation alone; deleting the Pipeline leaves nothing behind.
#include <csignal>
#include <dirent.h>

#include <fstream>
#include <map>
#include <set>

#include "controllers/operator_fixture.h"
#include "controllers/service_watcher.h"
#include "controllers/serving_probe.h"
#include "support/http_get.h"

namespace kappa::testing {
namespace {

// What each user's row must say after the events produce_events wrote,
// folded here independently of the processor.
struct Expected {
  int64_t count = 0;
  __float128 sum = 0;  // exact for these cents, so rounding it once is the exact sum's double
  double min = 0, max = 0;
  std::set<std::string> sessions;
  std::string last;
};

class LambdaTest : public OperatorTest {
 protected:
  json lambda_manifest(const std::string& name) const {
    json p = pipeline_manifest(name);
    p["spec"]["architecture"] = "Lambda";
    p["spec"]["processor"]["config"]["aggregates"].update(
        {{"min_revenue", {{"op", "min"}, {"field", "revenue"}}},
         {"max_revenue", {{"op", "max"}, {"field", "revenue"}}},
         {"last_session", {{"op", "last"}, {"field", "session_id"}}}});
    return p;
  }
  // The same events produce_events(count, users, seed) writes.
  void fold(std::map<std::string, Expected>& rows, int count, int users, int seed) const {
    for (int i = 0; i < count; ++i) {
      auto& r = rows["u-" + std::to_string((i * 7 + seed) % users)];
      const double revenue = revenue_of(i);
      r.min = r.count == 0 ? revenue : std::min(r.min, revenue);
      r.max = r.count == 0 ? revenue : std::max(r.max, revenue);
      ++r.count;
      r.sum += revenue;
      r.sessions.insert("s-" + std::to_string(i % 13));
      r.last = "s-" + std::to_string(i % 13);
    }
  }
  // The whole answer of a Ready pod of `version` for `key`.
  std::optional<json> answer(int64_t version, const std::string& key) {
    const json pods = version_pods("stats", version);  // held: a range-for over a temporary's member dangles
    for (const auto& pod : pods["items"]) {
      const std::string ip = pod.value("status", json::object()).value("podIP", "");
      if (ip.empty()) continue;
      const auto reply = processor::http_get(ip, 8080, "/v1/keys/" + key);
      if (reply.status == 200) return json::parse(reply.body);
    }
    return std::nullopt;
  }
  // Empty when every key's merged row equals the fold; else the first difference.
  std::string compare(int64_t version, const std::map<std::string, Expected>& rows) {
    for (const auto& [key, e] : rows) {
      const auto a = answer(version, key);
      if (!a) return key + ": no answer";
      const json v = a->value("value", json::object());
      const bool equal = v.value("total_events", int64_t{-1}) == e.count &&
                         v.value("total_revenue", -1.0) == static_cast<double>(e.sum) && v.value("min_revenue", -1.0) == e.min &&
                         v.value("max_revenue", -1.0) == e.max &&
                         v.value("total_sessions", int64_t{-1}) == static_cast<int64_t>(e.sessions.size()) &&
                         v.value("last_session", "") == e.last && a->value("generation", int64_t{0}) == version;
      if (!equal) {
        return key + ": got " + a->dump() + ", want count " + std::to_string(e.count) + " sum " +
               json(static_cast<double>(e.sum)).dump() + " sessions " + std::to_string(e.sessions.size()) + " last " + e.last;
      }
    }
    return "";
  }
};

TEST_F(LambdaTest, AGenerationServesTheMergeOfItsBatchRunAndItsSpeedLayerExactly) {
  std::map<std::string, Expected> rows;
  produce_events(3000, 40, 1);
  fold(rows, 3000, 40, 1);
  client_->create(api::kPipelines, ns_, lambda_manifest("stats"));
  await_pipeline_condition("stats", "Ready", "True");

  const auto rp = reprocessing_of("stats", 1);
  ASSERT_TRUE(rp);
  const json status = (*rp)["status"];
  int64_t snapshot_total = 0;
  for (const auto& [partition, offset] : status["snapshot"].items()) snapshot_total += offset.get<int64_t>();
  EXPECT_EQ(snapshot_total, 3000) << "S_1 is the input's end when generation 1 started: " << status.dump();
  EXPECT_EQ(status.value("batchRecords", int64_t{0}), 3000);
  EXPECT_FALSE(status.value("batchCompletedAt", "").empty());
  const json job = get(kube::resources::kJobs, "stats-v1-batch");
  EXPECT_EQ(job["status"].value("succeeded", 0), 1) << job.dump();

  // Events after S_1 go to the speed layer only; the answer merges both.
  produce_events(1200, 40, 2);
  fold(rows, 1200, 40, 2);
  std::string difference;
  EXPECT_TRUE(wait_for(60s, [&] { return (difference = compare(1, rows)).empty(); })) << difference;
  const auto a = answer(1, "u-1");
  ASSERT_TRUE(a);
  EXPECT_EQ((*a)["snapshot"], status["snapshot"]) << "each answer names the snapshot it merges at";
}

// The process of a running pod whose processor writes `output_topic` (the
// node agent runs pods as processes of this machine), found by its env.
std::optional<pid_t> processor_writing(const std::string& output_topic) {
  const std::string wanted = "KAPPA_OUTPUT_TOPIC=" + output_topic;
  std::unique_ptr<DIR, int (*)(DIR*)> proc(opendir("/proc"), closedir);
  while (const dirent* entry = readdir(proc.get())) {
    const std::string name = entry->d_name;
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream environ("/proc/" + name + "/environ", std::ios::binary);
    std::string variable;
    while (std::getline(environ, variable, '\0')) {
      if (variable == wanted) return static_cast<pid_t>(std::stol(name));
    }
  }
  return std::nullopt;
}

// A batch pod SIGKILLed mid-run: the Job's next pod resumes from the batch
// group's committed offsets and ends with the table an uninterrupted run
// makes (bounded mode commits output and offsets in one transaction).
TEST_F(LambdaTest, ABatchPodKilledMidRunIsReplacedAndTheTableIsTheSame) {
  constexpr int kEvents = 600000, kUsers = 500;
  std::map<std::string, Expected> rows;
  produce_events(kEvents, kUsers, 1);
  fold(rows, kEvents, kUsers, 1);
  json pipeline = lambda_manifest("stats");
  // Commits every 50 ms instead of every 5 s while catching up: the run
  // then has a middle to be killed in.
  pipeline["spec"]["processor"]["env"] = {{{"name", "KAPPA_CATCH_UP_COMMIT_INTERVAL_MS"}, {"value", "50"}}};
  client_->create(api::kPipelines, ns_, pipeline);
  const std::string group = "kappa." + ns_ + ".stats.v1.batch";
  std::optional<pid_t> pid;
  ASSERT_TRUE(wait_for(120s, [&] {
    pid = processor_writing(ns_ + ".stats.v1.batch");
    if (!pid) return false;
    const auto lags = admin_->lag(input_topic_, {{group, {}}});
    return !lags.empty() && !lags.front().error && lags.front().total < kEvents;  // part of the way
  })) << "the batch run never committed anything";
  ASSERT_EQ(::kill(*pid, SIGKILL), 0);
  await_pipeline_condition("stats", "Ready", "True");
  const json job = get(kube::resources::kJobs, "stats-v1-batch");
  EXPECT_GE(job["status"].value("failed", 0), 1) << "the killed pod counts as a failed one: " << job.dump();
  EXPECT_EQ(job["status"].value("succeeded", 0), 1);
  std::string difference;
  EXPECT_TRUE(wait_for(60s, [&] { return (difference = compare(1, rows)).empty(); })) << difference;
}

TEST_F(LambdaTest, AFailedBatchRunLeavesTheServingGenerationAndSaysWhy) {
  produce_events(1000, 20);
  ServiceWatcher watcher(*rest_, ns_, "stats");
  client_->create(api::kPipelines, ns_, lambda_manifest("stats"));
  await_pipeline_condition("stats", "Ready", "True");
  // A view the processor refuses at start (exit 2): the Job fails at once.
  patch_spec(api::kPipelines, "stats",
             {{"processor", {{"config", {{"aggregates", {{"median", {{"op", "median"}, {"field", "revenue"}}}}}}}}}});
  const json pipeline = await_pipeline_condition("stats", "Stalled", "True", 120s, "BatchFailed");
  EXPECT_EQ(service_version("stats"), 1);
  EXPECT_EQ(condition(pipeline, "Serving"), "True");
  EXPECT_FALSE(find(kube::resources::kDeployments, "stats-v2")) << "no speed layer for a failed batch";
  EXPECT_TRUE(answer(1, "u-1")) << "generation 1 still answers";
  EXPECT_EQ(watcher.versions(), (std::vector<int64_t>{1}));
}

TEST_F(LambdaTest, DeletingALambdaPipelineRemovesItsJobsDeploymentsGroupsAndTables) {
  produce_events(500, 10);
  client_->create(api::kPipelines, ns_, lambda_manifest("stats"));
  await_pipeline_condition("stats", "Ready", "True");
  ASSERT_TRUE(topic_exists(ns_ + ".stats.v1.batch"));
  delete_pipelines_and_wait();
  EXPECT_TRUE(wait_for(60s, [&] { return client_->list(kube::resources::kJobs, ns_, {})["items"].empty(); }));
  EXPECT_TRUE(client_->list(kube::resources::kDeployments, ns_, {})["items"].empty());
  EXPECT_EQ(admin_->list_groups("kappa." + ns_ + "."), std::vector<std::string>{});
  EXPECT_TRUE(topics_become({input_topic_}));
}


// A second generation on request: its batch run covers everything up to
// S_2, the Service switches to it in one write, and a client reading all
// along never sees an answer go backwards or an older generation after a
// newer one. Generation 2's answers equal both a fold of the whole log and
// what a Kappa Pipeline over the same log serves.
TEST_F(LambdaTest, ASecondGenerationSwitchesAtomicallyAndMatchesAKappaPipeline) {
  std::map<std::string, Expected> rows;
  produce_events(2000, 40, 1);
  fold(rows, 2000, 40, 1);
  ServiceWatcher watcher(*rest_, ns_, "stats");
  client_->create(api::kPipelines, ns_, lambda_manifest("stats"));
  await_pipeline_condition("stats", "Ready", "True");
  ServingProbe probe(*rest_, ns_, "stats", "u-1", 8080);

  produce_events(500, 40, 2);
  fold(rows, 500, 40, 2);
  client_->patch(api::kPipelines, ns_, "stats", kube::PatchType::Merge,
                 {{"metadata", {{"annotations", {{api::kAnnotationBatchNow, "true"}}}}}}, {});
  await_service_version("stats", 2);
  EXPECT_TRUE(wait_for(30s, [&] {
    return !get(api::kPipelines, "stats")["metadata"].value("annotations", json::object()).contains(
        api::kAnnotationBatchNow);
  })) << "the request is removed once its generation started";
  const auto rp2 = reprocessing_of("stats", 2);
  ASSERT_TRUE(rp2);
  EXPECT_EQ((*rp2)["spec"].value("trigger", ""), "Requested");
  EXPECT_EQ((*rp2)["status"].value("batchRecords", int64_t{0}), 2500) << "S_2 covers both rounds";

  produce_events(300, 40, 3);
  fold(rows, 300, 40, 3);
  std::string difference;
  EXPECT_TRUE(wait_for(60s, [&] { return (difference = compare(2, rows)).empty(); })) << difference;
  expect_version_gone("stats", 1);
  EXPECT_FALSE(find(kube::resources::kJobs, "stats-v1-batch")) << "generation 1's batch Job goes with it";
  EXPECT_FALSE(group_exists("kappa." + ns_ + ".stats.v1.batch"));

  probe.expect_never_missed();
  int64_t generation = 0, count = 0;
  for (const auto& body : probe.bodies()) {
    const int64_t g = body.value("generation", int64_t{0});
    const int64_t c = body.value("value", json::object()).value("total_events", int64_t{0});
    EXPECT_GE(g, generation) << "an older generation answered after a newer one: " << body.dump();
    EXPECT_GE(c, count) << "an answer went backwards: " << body.dump();
    generation = std::max(generation, g);
    count = std::max(count, c);
  }
  EXPECT_EQ(generation, 2);
  EXPECT_EQ(watcher.versions(), (std::vector<int64_t>{1, 2}));
  EXPECT_TRUE(watcher.violations().empty()) << watcher.violations().front();

  // The same view as a Kappa Pipeline over the same log serves the same rows.
  json kappa = lambda_manifest("kstats");
  kappa["spec"].erase("architecture");
  client_->create(api::kPipelines, ns_, kappa);
  await_pipeline_condition("kstats", "Ready", "True");
  std::string mismatch;
  EXPECT_TRUE(wait_for(60s, [&] {
    for (const auto& [key, e] : rows) {
      const auto lambda = answer(2, key);
      const auto kappa_row = query_version("kstats", 1, key);
      if (!lambda || !kappa_row || lambda->value("value", json::object()) != *kappa_row) {
        mismatch = key + ": lambda " + (lambda ? lambda->dump() : "none") + ", kappa " +
                   (kappa_row ? kappa_row->dump() : "none");
        return false;
      }
    }
    return true;
  })) << mismatch;
}


// Rollback flips serving back to the warm previous generation in one write;
// its answers are generation 1's again, and no new generation starts by
// itself (the template is the one already served).
TEST_F(LambdaTest, ARollbackFlipsBackToTheWarmPreviousGeneration) {
  produce_events(1000, 20);
  json pipeline = lambda_manifest("stats");
  pipeline["spec"]["rollout"]["retireAfter"] = "10m";
  client_->create(api::kPipelines, ns_, pipeline);
  await_pipeline_condition("stats", "Ready", "True");
  client_->patch(api::kPipelines, ns_, "stats", kube::PatchType::Merge,
                 {{"metadata", {{"annotations", {{api::kAnnotationBatchNow, "true"}}}}}}, {});
  await_service_version("stats", 2);
  ASSERT_TRUE(wait_for(30s, [&] { return answer(2, "u-1").has_value(); }));

  client_->patch(api::kPipelines, ns_, "stats", kube::PatchType::Merge,
                 {{"metadata", {{"annotations", {{api::kAnnotationRollback, "true"}}}}}}, {});
  await_service_version("stats", 1, 60s);
  const auto a = answer(1, "u-1");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->value("generation", int64_t{0}), 1);
  await_pipeline_condition("stats", "Ready", "True", 60s);
  EXPECT_FALSE(wait_for(5s, [&] { return reprocessing_of("stats", 3).has_value(); }))
      << "a rollback must not start another generation";
  EXPECT_EQ(service_version("stats"), 1);
}

// The operator SIGKILLed at each step of a generation switch (its own crash
// points) and restarted: generation 2 serves, generation 1 is gone, and
// nothing is left over (Jobs, Deployments, groups, topics).
class LambdaConvergenceTest : public LambdaTest, public ::testing::WithParamInterface<const char*> {};

TEST_P(LambdaConvergenceTest, KilledDuringAGenerationSwitchAndRestartedEndsWithOneGenerationServing) {
  produce_events(2000, 40);
  ServiceWatcher watcher(*rest_, ns_, "stats");
  client_->create(api::kPipelines, ns_, lambda_manifest("stats"));
  await_pipeline_condition("stats", "Ready", "True");

  ASSERT_NO_FATAL_FAILURE(crash_operator_at(GetParam(), [&] {
    produce_events(300, 40, 2);
    client_->patch(api::kPipelines, ns_, "stats", kube::PatchType::Merge,
                   {{"metadata", {{"annotations", {{api::kAnnotationBatchNow, "true"}}}}}}, {});
  }));

  ASSERT_NO_FATAL_FAILURE(restart_and_expect_v2_alone());
  EXPECT_TRUE(wait_for(30s, [&] {
    const auto jobs = client_->list(kube::resources::kJobs, ns_, {});
    return jobs["items"].size() == 1u && jobs["items"][0]["metadata"].value("name", "") == "stats-v2-batch";
  })) << client_->list(kube::resources::kJobs, ns_, {}).dump();
  const std::string v2 = "kappa." + ns_ + ".stats.v2";
  EXPECT_EQ(admin_->list_groups("kappa." + ns_ + "."), (std::vector<std::string>{v2, v2 + ".batch"}));
  const std::string table = ns_ + ".stats.v2";
  EXPECT_TRUE(topics_become({input_topic_, table, table + ".batch", table + ".batch.state", table + ".state"}));
  EXPECT_EQ(get(api::kPipelines, "stats")["status"].value("nextVersion", 0), 3) << "no generation number skipped";
  EXPECT_EQ(watcher.versions(), (std::vector<int64_t>{1, 2}));
  EXPECT_TRUE(watcher.violations().empty()) << watcher.violations().front();
}

INSTANTIATE_TEST_SUITE_P(EveryStep, LambdaConvergenceTest,
                         ::testing::Values("after-version-allocated", "after-batch-job-create",
                                           "before-service-write", "after-service-write", "during-retire"),
                         crash_point_test_name);

}  // namespace
}  // namespace kappa::testing
