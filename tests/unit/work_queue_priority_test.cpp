// The work queue's two priorities: an event goes before background work
// (timers come due, lag rounds' wakes), and background work is never starved.
#include <gtest/gtest.h>

#include "kube/work_queue.h"
#include "support/fake_clock.h"

namespace {

using namespace std::chrono_literals;
using kappa::kube::WorkQueue;
using kappa::testing::FakeClock;
constexpr auto kBackground = WorkQueue::Priority::Background;

std::unique_ptr<WorkQueue> make_queue(std::shared_ptr<FakeClock> clock) {
  return std::make_unique<WorkQueue>(clock, kappa::kube::default_controller_rate_limiter(clock), "test", 10s);
}

std::string take(WorkQueue& queue) {
  auto item = queue.get();
  if (!item) return "<shut down>";
  queue.done(*item);
  return *item;
}

TEST(WorkQueuePriority, AnEventIsServedBeforeEarlierBackgroundWork) {
  auto queue = make_queue(std::make_shared<FakeClock>());
  queue->add("ns/woken-1", kBackground);
  queue->add("ns/woken-2", kBackground);
  queue->add("ns/changed");
  EXPECT_EQ(queue->len(), 3u);
  EXPECT_EQ(take(*queue), "ns/changed");
  EXPECT_EQ(take(*queue), "ns/woken-1");
  EXPECT_EQ(take(*queue), "ns/woken-2");
}

TEST(WorkQueuePriority, AnEventForAQueuedBackgroundItemMovesItUpOnce) {
  auto queue = make_queue(std::make_shared<FakeClock>());
  queue->add("ns/a", kBackground);
  queue->add("ns/b", kBackground);
  queue->add("ns/b");
  queue->add("ns/b", kBackground);  // a lower ask leaves it where it is
  EXPECT_EQ(queue->len(), 2u);
  EXPECT_EQ(take(*queue), "ns/b");
  EXPECT_EQ(take(*queue), "ns/a");
  EXPECT_EQ(queue->len(), 0u);
}

TEST(WorkQueuePriority, BackgroundWorkIsServedOnceItHasWaitedItsBound) {
  auto clock = std::make_shared<FakeClock>();
  auto queue = make_queue(clock);
  queue->add("ns/woken", kBackground);
  clock->advance(9s);
  queue->add("ns/event-1");
  EXPECT_EQ(take(*queue), "ns/event-1");
  clock->advance(1s);
  queue->add("ns/event-2");
  EXPECT_EQ(take(*queue), "ns/woken") << "waited 10 s behind a stream of events";
  EXPECT_EQ(take(*queue), "ns/event-2");
}

TEST(WorkQueuePriority, ATimerComesDueAsBackgroundWork) {
  auto clock = std::make_shared<FakeClock>();
  auto queue = make_queue(clock);
  queue->add_after("ns/requeued", 5s);
  clock->advance(5s);
  queue->add("ns/changed");
  EXPECT_EQ(take(*queue), "ns/changed");
  EXPECT_EQ(take(*queue), "ns/requeued");
}

TEST(WorkQueuePriority, ARetryAfterAFailureKeepsEventPriority) {
  auto clock = std::make_shared<FakeClock>();
  auto queue = make_queue(clock);
  queue->add("ns/woken", kBackground);
  queue->add_rate_limited("ns/conflicted");
  clock->advance(1s);  // past the first backoff
  EXPECT_EQ(take(*queue), "ns/conflicted");
  EXPECT_EQ(take(*queue), "ns/woken");
}

TEST(WorkQueuePriority, AnEventWhileProcessingRequeuesAtEventPriority) {
  auto queue = make_queue(std::make_shared<FakeClock>());
  queue->add("ns/busy", kBackground);
  auto busy = queue->get();
  ASSERT_EQ(busy, "ns/busy");
  queue->add("ns/other", kBackground);
  queue->add("ns/busy", kBackground);
  queue->add("ns/busy");
  queue->done(*busy);
  EXPECT_EQ(take(*queue), "ns/busy");
  EXPECT_EQ(take(*queue), "ns/other");
}

}  // namespace
