// Two namespaces whose Pipelines share a name, and a Pipeline that tries to
// name the other namespace's topics: through a full lifecycle of one of them
// (a refused prefix, a rollout, retirement and table collection, a record
// edited to name the other's topics, deletion) nothing of the other
// namespace is touched, and it keeps serving. Each namespace has its own
// operator, as tests running side by side do; Kafka is shared, as in a
// cluster.
#include "controllers/operator_fixture.h"

namespace kappa::testing {
namespace {

class KafkaIsolationTest : public OperatorTest {
 protected:
  void SetUp() override {
    OperatorTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    other_ = unique_name("op");
    client_->create(kube::resources::kNamespaces, "",
                    {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", other_}}}});
    other_operator_ = launch_operator(other_, processor::free_port());
  }
  void TearDown() override {
    if (other_operator_) {
      try {
        client_->remove(api::kPipelines, other_, "stats", {});
      } catch (const kube::ApiError&) {
      }
      wait_for(60s, [&] { return client_->list(api::kPipelines, other_, {})["items"].empty(); });
      other_operator_.reset();
      for (const auto& topic : admin_->list_topics(other_ + ".")) admin_->delete_topic(topic);
      client_->remove(kube::resources::kNamespaces, "", other_, {});
    }
    OperatorTest::TearDown();
  }

  json other_pipeline() const {
    json p = pipeline_manifest("stats");
    p["metadata"]["namespace"] = other_;
    return p;
  }
  // Everything of the other namespace's v1, and a table made by hand in its space.
  std::vector<std::string> other_topics() const {
    return {other_ + ".stats.v1", other_ + ".stats.v1.state", other_ + ".stats.v7"};
  }
  void expect_other_untouched(const char* when) {
    for (const auto& t : other_topics()) EXPECT_TRUE(topic_exists(t)) << t << " is gone " << when;
    EXPECT_TRUE(group_exists("kappa." + other_ + ".stats.v1")) << "its group is gone " << when;
    const json p = client_->get(api::kPipelines, other_, "stats");
    EXPECT_EQ(condition(p, "Ready"), "True") << when;
    EXPECT_EQ(client_->get(kube::resources::kServices, other_, "stats")["spec"]["selector"].value(api::kLabelVersion, ""),
              "1")
        << when;
  }
  int events_in_ns(const std::string& reason) {
    int n = 0;
    // Held in a variable: a range-for over a member of a temporary would
    // read it after it is gone.
    const json events = client_->list(kube::resources::kEvents, ns_, {});
    for (const auto& e : events["items"]) {
      if (e.value("reason", "") == reason) n += 1;
    }
    return n;
  }

  std::string other_;
  std::unique_ptr<processor::Subprocess> other_operator_;
};

TEST_F(KafkaIsolationTest, NothingOfAnotherNamespaceIsTouchedThroughAFullLifecycle) {
  produce_events(1000, 20);
  // The other tenant: Pipeline "stats" serving v1, plus a table of its own.
  client_->create(api::kPipelines, other_, other_pipeline());
  ASSERT_TRUE(wait_for(180s, [&] {
    const json p = client_->get(api::kPipelines, other_, "stats");
    return condition(p, "Ready") == "True" && group_exists("kappa." + other_ + ".stats.v1");
  })) << "the other namespace's Pipeline never served";
  admin_->create_topic({other_ + ".stats.v7", 1, 1, {{"cleanup.policy", "compact"}}});

  // Ours has the same name and, first, the other namespace's prefix: before,
  // its versions' tables were the other's tables, and deleting it deleted them.
  json ours = pipeline_manifest("stats");
  ours["spec"]["output"]["topicPrefix"] = other_ + ".";
  client_->create(api::kPipelines, ns_, ours);
  await_pipeline_condition("stats", "Stalled", "True", 60s, "InvalidSpec");
  EXPECT_NE(get(api::kPipelines, "stats")["status"].dump().find("spec.output.topicPrefix"), std::string::npos);
  EXPECT_TRUE(client_->list(kube::resources::kDeployments, ns_, {})["items"].empty());

  // A dotted name would spell names under another prefix: refused at admission.
  json dotted = pipeline_manifest("x");
  dotted["metadata"]["name"] = "y.stats";
  EXPECT_THROW(client_->create(api::kPipelines, ns_, dotted), kube::ApiError);

  patch_spec(api::kPipelines, "stats", {{"output", {{"topicPrefix", ns_ + "."}}}});
  await_service_version("stats", 1);
  expect_other_untouched("after our first version");

  // Someone with access to our status names the other's topics on our record.
  json record = get(api::kPipelines, "stats")["status"]["ownedKafka"];
  ASSERT_TRUE(record.is_array());
  record.push_back({{"version", 99},
                    {"consumerGroup", "kappa." + other_ + ".stats.v1"},
                    {"topics", {other_ + ".stats.v1", other_ + ".stats.v1.state"}}});
  kube::PatchOptions status_only;
  status_only.subresource = "status";
  client_->patch(api::kPipelines, ns_, "stats", kube::PatchType::Merge, {{"status", {{"ownedKafka", record}}}},
                 status_only);
  patch_spec(api::kPipelines, "stats", {{"rollout", {{"maxLag", 1}}}});  // any change brings a reconcile
  ASSERT_TRUE(wait_for(60s, [&] { return events_in_ns("KafkaNameRefused") > 0; }))
      << "the edited record was not refused";

  // A rollout: v2 serves, v1 is retired and its table collected.
  change_template("stats", "max_revenue");
  await_service_version("stats", 2);
  expect_version_gone("stats", 1);
  expect_other_untouched("after our rollout and retirement");

  // Deleting ours deletes its own tables only.
  client_->remove(api::kPipelines, ns_, "stats", {});
  ASSERT_TRUE(wait_for(90s, [&] { return client_->list(api::kPipelines, ns_, {})["items"].empty(); }));
  expect_version_gone("stats", 2);
  expect_other_untouched("after our Pipeline was deleted");
  EXPECT_TRUE(operator_->running());
  EXPECT_TRUE(other_operator_->running());
}

}  // namespace
}  // namespace kappa::testing
