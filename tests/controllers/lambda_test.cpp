// Lambda Pipelines on the real stack (docs/lambda.md): a generation's batch
// Job runs the real processor bounded to the snapshot the operator took,
// its speed layer starts there, and serving answers merge(batch, speed),
// equal to a fold of the whole log. A batch run that fails leaves the
// serving generation alone; deleting the Pipeline leaves nothing behind.
#include <map>
#include <set>

#include "controllers/operator_fixture.h"
#include "controllers/service_watcher.h"
#include "support/http_get.h"

namespace kappa::testing {
namespace {

// What each user's row must say after the events produce_events wrote,
// folded here independently of the processor.
struct Expected {
  int64_t count = 0;
  double sum = 0, min = 0, max = 0;
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
      const double revenue = (i % 10) + 0.5;
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
                         v.value("total_revenue", -1.0) == e.sum && v.value("min_revenue", -1.0) == e.min &&
                         v.value("max_revenue", -1.0) == e.max &&
                         v.value("total_sessions", int64_t{-1}) == static_cast<int64_t>(e.sessions.size()) &&
                         v.value("last_session", "") == e.last && a->value("generation", int64_t{0}) == version;
      if (!equal) {
        return key + ": got " + a->dump() + ", want count " + std::to_string(e.count) + " sum " +
               std::to_string(e.sum) + " sessions " + std::to_string(e.sessions.size()) + " last " + e.last;
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
  EXPECT_EQ(admin_->list_topics(ns_ + "."), std::vector<std::string>{input_topic_});
}

}  // namespace
}  // namespace kappa::testing
