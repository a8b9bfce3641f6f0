// A catching-up version is polled by Result::after(--lag-poll-interval),
// while its pods, Deployment and Service keep enqueueing it. Every event
// may reconcile it once, but the polls must not multiply: one per interval.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <vector>

#include "kube/controller.h"
#include "support/wait.h"

namespace {

using namespace std::chrono_literals;
using kappa::Clock;
using kappa::kube::Controller;
using kappa::kube::Result;

// A fake clock that also tells when the queue's only worker has settled:
// it is waiting for a delayed item that is not due, after the test's last
// action. get() calls wait_until() only with the queue lock held, nothing
// ready and nothing handed out (one worker), so an entry that reads the
// current epoch happened after that action and every reconcile it caused.
class SettlingClock final : public Clock {
 public:
  time_point now() const override { return time_point(duration(now_.load())); }
  void wait_until(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                  time_point deadline) const override {
    if (now() >= deadline) return;
    idle_epoch_ = epoch_.load();
    cv.wait_for(lock, 1ms);
  }

  void advance(duration d) {
    now_ += d.count();
    ++epoch_;
  }
  // Call after enqueueing something.
  void acted() { ++epoch_; }
  bool settled() const { return idle_epoch_.load() == epoch_.load(); }

 private:
  std::atomic<duration::rep> now_{duration(1h).count()};
  std::atomic<long> epoch_{1};
  mutable std::atomic<long> idle_epoch_{0};
};

// A Reprocessing catching up: each reconcile is one lag poll, and asks to
// come back after the poll interval.
class PollingReconciler : public kappa::kube::Reconciler {
 public:
  PollingReconciler(const SettlingClock& clock, Clock::duration interval) : clock_(clock), interval_(interval) {}

  Result reconcile(const std::string&) override {
    std::lock_guard lock(mutex_);
    polls_.push_back(clock_.now());
    return Result::after(interval_);
  }
  std::vector<Clock::time_point> polls_between(Clock::time_point from, Clock::time_point to) {
    std::lock_guard lock(mutex_);
    std::vector<Clock::time_point> out;
    for (auto t : polls_) {
      if (t >= from && t < to) out.push_back(t);
    }
    return out;
  }

 private:
  const SettlingClock& clock_;
  const Clock::duration interval_;
  std::mutex mutex_;
  std::vector<Clock::time_point> polls_;
};

TEST(ControllerPolling, EventChurnDuringACatchUpLeavesOnePollPerInterval) {
  constexpr auto kInterval = 5s;
  constexpr auto kStep = 100ms;
  const std::string key = "team/user-stats-v2";
  auto clock = std::make_shared<SettlingClock>();
  PollingReconciler reconciler(*clock, kInterval);
  Controller controller("reprocessing", reconciler, 1, clock);
  controller.start();
  const auto settle = [&] {
    ASSERT_TRUE(kappa::testing::wait_for(10s, [&] { return clock->settled(); }, 1ms)) << "the worker never settled";
  };

  // Churn: for three intervals, a pod event every 700 ms (what watch_owned
  // and the Manager's by-version handlers do: add the key) and, every other
  // time, another part asking to look again in 2 s.
  const auto churn_start = clock->now();
  int events = 0;
  for (auto t = 0ms; t < 3 * kInterval; t += kStep) {
    if (t % 700ms == 0ms) {
      controller.queue().add(key);
      if (events % 2 == 1) controller.queue().add_after(key, 2s);
      ++events;
      clock->acted();
      settle();
    }
    clock->advance(kStep);
    settle();
  }
  const auto churn_end = clock->now();
  // Each event may poll once; beyond that one poll per interval, plus the
  // 2 s look-agains (they can only move the one timer earlier).
  const auto churn_polls = reconciler.polls_between(churn_start, churn_end).size();
  EXPECT_LE(churn_polls, static_cast<std::size_t>(events + events / 2 + 3 + 1))
      << events << " events in 3 intervals";

  // The churn stops; the catch-up goes on for six intervals.
  for (auto t = 0ms; t < 6 * kInterval; t += kStep) {
    clock->advance(kStep);
    settle();
  }
  const auto polls = reconciler.polls_between(churn_end, clock->now());
  EXPECT_GE(polls.size(), 5u) << "the version must still be polled";
  EXPECT_LE(polls.size(), 6u) << "at most one poll per interval";
  int too_close = 0;
  for (std::size_t i = 1; i < polls.size(); ++i) {
    if (polls[i] - polls[i - 1] < kInterval) ++too_close;
  }
  EXPECT_EQ(too_close, 0) << "polls less than an interval apart";
  controller.stop();
}

}  // namespace
