// A user's own Kafka Streams application as a version, on the real stack:
// examples/streams-user-stats (a Java Kafka Streams processor that keeps the
// processor contract) rolls out v1 -> v2 behind a lag-gated switch and
// answers exactly what kappa-processor answers for the same log. A retired
// or aborted Streams version, and a deleted Pipeline, leave neither the
// group nor the repartition and changelog topics Kafka Streams made.
#include <map>
#include <set>

#include "controllers/operator_fixture.h"

namespace kappa::testing {
namespace {

class StreamsRolloutTest : public OperatorTest {
 protected:
  void SetUp() override {
    KAPPA_NEEDS_STREAMS_EXAMPLE();
    OperatorTest::SetUp();
  }

  // The user-stats view of everything produce_events(count, users, seed)
  // wrote, per user, folded here independently of either processor.
  struct Expected {
    int events = 0;
    double revenue = 0;
    std::set<std::string> sessions;
  };
  static void fold(std::map<std::string, Expected>& into, int count, int users, int seed) {
    for (int i = 0; i < count; ++i) {
      auto& e = into["u-" + std::to_string((i * 7 + seed) % users)];
      ++e.events;
      e.revenue += revenue_of(i);  // in log order, as Kafka Streams sums
      e.sessions.insert("s-" + std::to_string(i % 13));
    }
  }

  // Every user's row as `version` serves it, once each has `expected`'s
  // count (one deadline for all of them).
  std::map<std::string, json> rows_of(int64_t version, const std::map<std::string, Expected>& expected) {
    std::map<std::string, json> rows;
    wait_for(90s, [&] {
      for (const auto& [user, e] : expected) {
        if (rows.count(user)) continue;
        const auto row = query_version("stats", version, user);
        if (!row || row->value("total_events", 0) != e.events) return false;
        rows[user] = *row;
      }
      return true;
    });
    for (const auto& [user, e] : expected) {
      if (!rows.count(user)) ADD_FAILURE() << "v" << version << " never served " << e.events << " events for " << user
                                           << ": " << last_answer_;
    }
    return rows;
  }

  static void expect_rows(const std::map<std::string, json>& rows, const std::map<std::string, Expected>& expected) {
    for (const auto& [user, e] : expected) {
      const auto it = rows.find(user);
      if (it == rows.end()) continue;  // reported by rows_of
      EXPECT_EQ(it->second.value("total_events", 0), e.events) << user;
      EXPECT_DOUBLE_EQ(it->second.value("total_revenue", 0.0), e.revenue) << user;
      EXPECT_EQ(it->second.value("total_sessions", 0), static_cast<int>(e.sessions.size())) << user;
    }
  }

  std::vector<std::string> internal_topics(int64_t version) {
    return admin_->list_topics("kappa." + ns_ + ".stats.v" + std::to_string(version) + "-");
  }
  void expect_internal_topics_gone(int64_t version) {
    EXPECT_TRUE(wait_for(60s, [&] { return internal_topics(version).empty(); }))
        << "v" << version << " left behind: " << json(internal_topics(version)).dump();
  }

  // A new template for the same application and view: one more variable
  // in the processor's environment.
  void new_streams_template(const std::string& marker) {
    patch_spec(api::kPipelines, "stats",
               {{"processor", {{"image", kStreamsImage}, {"env", {{{"name", "TEMPLATE"}, {"value", marker}}}}}}});
  }

  json streams_pipeline() {
    json manifest = pipeline_manifest("stats");
    manifest["spec"]["processor"]["image"] = kStreamsImage;
    return manifest;
  }
};

TEST_F(StreamsRolloutTest, V1ToV2IsLagGatedAndItsRowsAreKappaProcessorsAndRetiredVersionsLeaveNothing) {
  std::map<std::string, Expected> expected;
  produce_events(3000, 50);
  fold(expected, 3000, 50, 1);
  client_->create(api::kPipelines, ns_, streams_pipeline());
  await_pipeline_condition("stats", "Ready", "True");
  expect_rows(rows_of(1, expected), expected);
  EXPECT_EQ(internal_topics(1).size(), 2u) << "Kafka Streams made a repartition and a changelog topic for v1";

  // v2 of the same application replays the log beside v1; the switch waits
  // for its lag.
  produce_events(20000, 50, 2);
  fold(expected, 20000, 50, 2);
  new_streams_template("v2");
  std::vector<int64_t> lags;
  ASSERT_TRUE(wait_for(240s, [&] {
    if (const auto rp = reprocessing_of("stats", 2); rp && (*rp)["status"].contains("lag")) {
      lags.push_back((*rp)["status"].value("lag", int64_t{0}));
    }
    return service_version("stats") == 2;
  }, 100ms)) << "the Service never switched to v2";
  ASSERT_FALSE(lags.empty());
  EXPECT_GT(lags.front(), 0) << "v2 started behind the log";
  EXPECT_EQ(lags.back(), 0) << "switched before v2 caught up";
  const auto streams_rows = rows_of(2, expected);
  expect_rows(streams_rows, expected);
  expect_version_gone("stats", 1);
  expect_internal_topics_gone(1);

  // v3: kappa-processor over the same log serves the same rows. Byte for
  // byte but the revenue's last digits: the Streams example adds doubles in
  // log order, and the rounding errors add up; kappa-processor rounds the
  // exact sum once.
  patch_spec(api::kPipelines, "stats", {{"processor", {{"image", "kappa.dev/kappa-processor:1"}, {"env", nullptr}}}});
  await_service_version("stats", 3, 240s);
  const auto reference_rows = rows_of(3, expected);
  for (auto [user, row] : reference_rows) {
    const auto it = streams_rows.find(user);
    if (it == streams_rows.end()) continue;  // reported by rows_of
    const double exact = row.value("total_revenue", -1.0);  // a sequential sum drifts by ~1e-15 per event
    EXPECT_NEAR(it->second.value("total_revenue", 0.0), exact, 1e-12 * exact) << user;
    row["total_revenue"] = it->second["total_revenue"];
    EXPECT_EQ(it->second.dump(), row.dump()) << user << ": the rows differ";
  }
  expect_version_gone("stats", 2);
  expect_internal_topics_gone(2);
}

TEST_F(StreamsRolloutTest, AnAbortedStreamsCandidateAndADeletedPipelineLeaveNoInternalTopics) {
  std::map<std::string, Expected> expected;
  produce_events(3000, 50);
  fold(expected, 3000, 50, 1);
  client_->create(api::kPipelines, ns_, streams_pipeline());
  await_pipeline_condition("stats", "Ready", "True");

  // v2 catches up (its Streams topics exist), then waits to be promoted.
  patch_spec(api::kPipelines, "stats", {{"rollout", {{"promotion", "Manual"}}}});
  new_streams_template("v2");
  await_pipeline_condition("stats", "Reconciling", "True", 240s, "AwaitingPromotion");
  expect_rows(rows_of(2, expected), expected);
  EXPECT_EQ(internal_topics(2).size(), 2u);
  const auto rp = reprocessing_of("stats", 2);
  ASSERT_TRUE(rp);
  patch_spec(api::kReprocessings, (*rp)["metadata"].value("name", ""), {{"abort", true}});
  await_phase("stats", 2, "Aborted");
  expect_version_gone("stats", 2);
  expect_internal_topics_gone(2);
  EXPECT_EQ(service_version("stats"), 1) << "an abort never touches serving";
  EXPECT_FALSE(internal_topics(1).empty()) << "the serving version's state stays";

  // The Pipeline goes, and v1's group and Streams topics with it.
  delete_pipelines_and_wait();
  EXPECT_FALSE(group_exists("kappa." + ns_ + ".stats.v1"));
  EXPECT_TRUE(internal_topics(1).empty()) << "left behind: " << json(internal_topics(1)).dump();
  EXPECT_FALSE(topic_exists(ns_ + ".stats.v1"));
}

}  // namespace
}  // namespace kappa::testing
