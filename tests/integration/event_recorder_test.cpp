// Events on the real API server: a hot loop of one event becomes one Event
// with a series count; distinct events per object are capped.
#include "kube/event_recorder.h"

#include <gtest/gtest.h>

#include "kube/http_kube_client.h"
#include "support/kube_test_client.h"

namespace {

using nlohmann::json;
using kappa::kube::EventRecorder;
using kappa::kube::HttpKubeClient;
using kappa::kube::ObjectRef;
namespace res = kappa::kube::resources;

class EventRecorderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    KAPPA_NEEDS_STACK();
    rest_ = kappa::testing::stack_client();
    client_ = std::make_unique<HttpKubeClient>(*rest_);
    const json cm = {{"apiVersion", "v1"},
                     {"kind", "ConfigMap"},
                     {"metadata", {{"name", kappa::testing::unique_name("evt")}, {"namespace", "default"}}}};
    object_ = client_->create(res::kConfigMaps, "default", cm);
    object_["apiVersion"] = "v1";
    object_["kind"] = "ConfigMap";
  }
  void TearDown() override {
    if (client_) client_->remove(res::kConfigMaps, "default", object_["metadata"]["name"], {});
  }
  std::vector<json> events_about() {
    kappa::kube::ListOptions options;
    options.field_selector = "regarding.uid=" + object_["metadata"]["uid"].get<std::string>();
    return client_->list(res::kEvents, "default", options)["items"].get<std::vector<json>>();
  }

  std::unique_ptr<kappa::kube::RestClient> rest_;
  std::unique_ptr<HttpKubeClient> client_;
  json object_;
};

TEST_F(EventRecorderTest, AHotLoopBecomesOneEventWithASeriesCount) {
  EventRecorder recorder(*client_, "kappa.dev/operator", "test-instance");
  for (int i = 0; i < 500; ++i) {
    recorder.warning(ObjectRef::of(object_), "CatchUpStalled", "Reconcile", "lag has not decreased");
  }
  recorder.normal(ObjectRef::of(object_), "Promoted", "Switch", "switched to v2");
  recorder.flush();

  const auto events = events_about();
  ASSERT_EQ(events.size(), 2u) << "500 repeats must collapse into one Event";
  for (const auto& e : events) {
    EXPECT_EQ(e["reportingController"], "kappa.dev/operator");
    EXPECT_EQ(e["regarding"]["name"], object_["metadata"]["name"]);
    if (e["reason"] == "CatchUpStalled") {
      EXPECT_EQ(e["type"], "Warning");
      EXPECT_EQ(e["series"]["count"], 500);
    } else {
      EXPECT_EQ(e["reason"], "Promoted");
      EXPECT_FALSE(e.contains("series"));
    }
  }
}

TEST_F(EventRecorderTest, DistinctEventsPerObjectAreCapped) {
  EventRecorder::Limits limits;
  limits.burst_per_object = 5;
  EventRecorder recorder(*client_, "kappa.dev/operator", "test-instance",
                         std::make_shared<kappa::kube::SteadyClock>(), limits);
  for (int i = 0; i < 20; ++i) {
    recorder.normal(ObjectRef::of(object_), "Progress", "Reconcile", "lag " + std::to_string(i));
  }
  recorder.flush();
  EXPECT_EQ(events_about().size(), 5u);
  EXPECT_EQ(recorder.dropped(), 15);
}

}  // namespace
