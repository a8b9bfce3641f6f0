#include "kube/runtime_metrics.h"

#include <gtest/gtest.h>

#include <map>
#include <mutex>

#include "kube/controller.h"
#include "support/wait.h"

namespace {

using namespace std::chrono_literals;
using kappa::testing::wait_for;

class RecordingMetrics : public kappa::kube::RuntimeMetrics {
 public:
  void queue_added(const std::string& q) override { bump("added:" + q); }
  void queue_retried(const std::string& q) override { bump("retried:" + q); }
  void queue_latency(const std::string& q, duration) override { bump("latency:" + q); }
  void reconciled(const std::string& c, duration, bool failed) override {
    bump(std::string(failed ? "failed:" : "ok:") + c);
  }
  int count(const std::string& what) {
    std::lock_guard lock(mutex_);
    return counts_[what];
  }

 private:
  void bump(const std::string& what) {
    std::lock_guard lock(mutex_);
    ++counts_[what];
  }
  std::mutex mutex_;
  std::map<std::string, int> counts_;
};

class FailsTwice : public kappa::kube::Reconciler {
 public:
  std::atomic<int> calls{0};
  kappa::kube::Result reconcile(const std::string&) override {
    if (++calls <= 2) throw std::runtime_error("not yet");
    return {};
  }
};

TEST(RuntimeMetrics, ControllerAndQueueReportThroughTheInstalledHooks) {
  auto metrics = std::make_shared<RecordingMetrics>();
  kappa::kube::set_runtime_metrics(metrics);
  FailsTwice reconciler;
  {
    kappa::kube::Controller controller("pipelines", reconciler, 1);
    controller.start();
    controller.queue().add("ns/p");
    ASSERT_TRUE(wait_for(5s, [&] { return metrics->count("ok:pipelines") == 1; }));
    controller.stop();
  }
  kappa::kube::set_runtime_metrics(nullptr);
  EXPECT_EQ(metrics->count("failed:pipelines"), 2);
  EXPECT_EQ(metrics->count("retried:pipelines"), 2);
  EXPECT_EQ(metrics->count("added:pipelines"), 3) << "the first add and two backoff re-adds";
  EXPECT_EQ(metrics->count("latency:pipelines"), 3);
}

}  // namespace
