#include "kube/controller.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>

#include "support/wait.h"

namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using kappa::kube::Controller;
using kappa::kube::Result;
using kappa::testing::wait_for;

// Fails the first `failures` reconciles of each key, then succeeds, and
// optionally asks to come back later.
class ScriptedReconciler : public kappa::kube::Reconciler {
 public:
  int failures = 0;
  std::optional<std::chrono::milliseconds> requeue_after;

  Result reconcile(const std::string& key) override {
    std::lock_guard lock(mutex_);
    const int n = ++calls_[key];
    if (n <= failures) throw std::runtime_error("scripted failure");
    if (requeue_after) return Result::after(*requeue_after);
    return Result::done();
  }
  int calls(const std::string& key) {
    std::lock_guard lock(mutex_);
    return calls_[key];
  }

 private:
  std::mutex mutex_;
  std::map<std::string, int> calls_;
};

TEST(Controller, FailedReconcilesAreRetriedWithBackoffUntilTheySucceed) {
  ScriptedReconciler reconciler;
  reconciler.failures = 3;
  Controller controller("test", reconciler, 2);
  controller.start();
  controller.queue().add("ns/a");
  // 5 ms, 10 ms, 20 ms of backoff, then success.
  ASSERT_TRUE(wait_for(5s, [&] { return reconciler.calls("ns/a") == 4; }));
  EXPECT_TRUE(wait_for(1s, [&] { return controller.queue().num_requeues("ns/a") == 0; }))
      << "a success forgets the backoff";
  controller.stop();
  EXPECT_EQ(reconciler.calls("ns/a"), 4) << "no reconcile after success without a new event";
}

TEST(Controller, RequeueAfterComesBack) {
  ScriptedReconciler reconciler;
  reconciler.requeue_after = 50ms;
  Controller controller("test", reconciler, 1);
  controller.start();
  controller.queue().add("ns/poll");
  EXPECT_TRUE(wait_for(5s, [&] { return reconciler.calls("ns/poll") >= 3; }));
  controller.stop();
}

TEST(ControllerFilters, GenerationChangedIgnoresStatusOnlyUpdates) {
  const json v1 = {{"metadata", {{"generation", 1}}}, {"status", {{"x", 1}}}};
  const json status_only = {{"metadata", {{"generation", 1}}}, {"status", {{"x", 2}}}};
  const json spec_change = {{"metadata", {{"generation", 2}}}};
  const json deleting = {{"metadata", {{"generation", 1}, {"deletionTimestamp", "2026-01-01T00:00:00Z"}}}};
  EXPECT_FALSE(kappa::kube::generation_changed(v1, status_only));
  EXPECT_TRUE(kappa::kube::generation_changed(v1, spec_change));
  EXPECT_TRUE(kappa::kube::generation_changed(v1, deleting));
}

TEST(ControllerFilters, OwnedObjectsMapToTheirControllerOwner) {
  const json deployment = {
      {"metadata",
       {{"namespace", "team"},
        {"name", "user-stats-v2"},
        {"ownerReferences",
         {{{"kind", "Pipeline"}, {"name", "other"}, {"controller", false}},
          {{"kind", "Reprocessing"}, {"name", "user-stats-v2"}, {"controller", true}}}}}}};
  EXPECT_EQ(kappa::kube::controller_owner_key(deployment, "Reprocessing"), "team/user-stats-v2");
  EXPECT_EQ(kappa::kube::controller_owner_key(deployment, "Pipeline"), std::nullopt)
      << "only the controller reference counts";
}

}  // namespace
