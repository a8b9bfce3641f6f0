#include "kube/work_queue.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <future>
#include <thread>

#include "support/fake_clock.h"
#include "support/wait.h"

namespace {

using namespace std::chrono_literals;
using kappa::kube::WorkQueue;
using kappa::testing::FakeClock;

std::unique_ptr<WorkQueue> make_queue(std::shared_ptr<FakeClock> clock) {
  return std::make_unique<WorkQueue>(clock, kappa::kube::default_controller_rate_limiter(clock));
}

// get() on another thread, so a test can check whether it is blocked.
std::future<std::optional<std::string>> get_async(WorkQueue& queue) {
  return std::async(std::launch::async, [&queue] { return queue.get(); });
}

TEST(WorkQueue, RepeatedAddsCollapseWhileWaiting) {
  auto queue = make_queue(std::make_shared<FakeClock>());
  queue->add("ns/a");
  queue->add("ns/a");
  queue->add("ns/b");
  EXPECT_EQ(queue->len(), 2u);
  EXPECT_EQ(queue->get(), "ns/a");
  EXPECT_EQ(queue->get(), "ns/b");
}

TEST(WorkQueue, AnItemIsNeverHandedToTwoWorkers) {
  auto queue = make_queue(std::make_shared<FakeClock>());
  queue->add("ns/a");
  ASSERT_EQ(queue->get(), "ns/a");
  queue->add("ns/a");  // changed while being processed
  EXPECT_EQ(queue->len(), 0u) << "must not be ready while a worker holds it";
  auto second = get_async(*queue);
  EXPECT_EQ(second.wait_for(50ms), std::future_status::timeout);
  queue->done("ns/a");  // now it re-queues, exactly once
  ASSERT_EQ(second.wait_for(2s), std::future_status::ready);
  EXPECT_EQ(second.get(), "ns/a");
  queue->done("ns/a");
  EXPECT_EQ(queue->len(), 0u);
}

TEST(WorkQueue, ConcurrentWorkersNeverOverlapOnOneKey) {
  auto queue = make_queue(std::make_shared<FakeClock>());
  std::atomic<int> in_flight{0};
  std::atomic<int> overlaps{0};
  std::atomic<int> processed{0};
  std::vector<std::thread> workers;
  for (int w = 0; w < 4; ++w) {
    workers.emplace_back([&] {
      while (auto item = queue->get()) {
        if (in_flight.fetch_add(1) != 0) overlaps++;
        std::this_thread::sleep_for(100us);
        in_flight.fetch_sub(1);
        processed++;
        queue->done(*item);
      }
    });
  }
  for (int i = 0; i < 2000; ++i) queue->add("ns/hot");
  queue->shut_down_with_drain();
  for (auto& t : workers) t.join();
  EXPECT_EQ(overlaps.load(), 0);
  EXPECT_GE(processed.load(), 1);
}

TEST(WorkQueue, AddAfterWaitsForTheClock) {
  auto clock = std::make_shared<FakeClock>();
  auto queue = make_queue(clock);
  queue->add_after("ns/later", 30s);
  auto got = get_async(*queue);
  EXPECT_EQ(got.wait_for(50ms), std::future_status::timeout);
  clock->advance(29s);
  EXPECT_EQ(got.wait_for(50ms), std::future_status::timeout);
  clock->advance(1s);
  ASSERT_EQ(got.wait_for(2s), std::future_status::ready);
  EXPECT_EQ(got.get(), "ns/later");
}

// client-go's delaying queue keeps one waiting entry per item: every event
// of a catching-up version asks for another poll, and each kept timer
// would be one more poll per interval.
TEST(WorkQueue, ManyAddAftersOfOneItemYieldOneReadyItem) {
  auto clock = std::make_shared<FakeClock>();
  auto queue = make_queue(clock);
  for (int i = 1; i <= 100; ++i) queue->add_after("ns/polled", i * 1s);
  queue->add_after("ns/sentinel", 101s);
  clock->advance(1s);
  ASSERT_EQ(queue->get(), "ns/polled");
  queue->done("ns/polled");
  clock->advance(100s);
  EXPECT_EQ(queue->get(), "ns/sentinel") << "the 99 later add_after()s of ns/polled must not be kept";
  queue->done("ns/sentinel");
  EXPECT_EQ(queue->len(), 0u);
}

TEST(WorkQueue, LaterAddAfterKeepsTheEarlierReadyTime) {
  auto clock = std::make_shared<FakeClock>();
  auto queue = make_queue(clock);
  queue->add_after("ns/a", 2s);
  queue->add_after("ns/a", 10s);
  queue->add_after("ns/sentinel", 20s);
  clock->advance(2s);
  ASSERT_EQ(queue->get(), "ns/a");
  queue->done("ns/a");
  clock->advance(18s);
  EXPECT_EQ(queue->get(), "ns/sentinel") << "the later add_after() must not have left a second entry";
}

TEST(WorkQueue, EarlierAddAfterMovesTheItemEarlier) {
  auto clock = std::make_shared<FakeClock>();
  auto queue = make_queue(clock);
  queue->add_after("ns/a", 10s);
  queue->add_after("ns/a", 2s);
  queue->add_after("ns/sentinel", 20s);
  clock->advance(2s);
  ASSERT_EQ(queue->get(), "ns/a");
  queue->done("ns/a");
  clock->advance(18s);
  EXPECT_EQ(queue->get(), "ns/sentinel") << "moving it earlier must not leave the 10 s entry behind";
}

TEST(WorkQueue, DelayedItemsOfDifferentKeysAreKeptApart) {
  auto clock = std::make_shared<FakeClock>();
  auto queue = make_queue(clock);
  queue->add_after("ns/b", 3s);
  queue->add_after("ns/a", 1s);
  queue->add_after("ns/c", 2s);
  clock->advance(3s);
  EXPECT_EQ(queue->get(), "ns/a");
  EXPECT_EQ(queue->get(), "ns/c");
  EXPECT_EQ(queue->get(), "ns/b");
}

// Informer handlers and workers call add/add_after from many threads at
// once (and dev/tsan-tests.sh runs this under ThreadSanitizer).
TEST(WorkQueue, ConcurrentDelayedAddsNeverOverlapOnOneKey) {
  auto clock = std::make_shared<FakeClock>();
  auto queue = make_queue(clock);
  const std::vector<std::string> keys = {"ns/a", "ns/b", "ns/c", "ns/d"};
  std::map<std::string, std::atomic<int>> in_flight, processed;
  for (const auto& k : keys) {
    in_flight[k] = 0;
    processed[k] = 0;
  }
  std::atomic<int> overlaps{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < 3; ++w) {
    threads.emplace_back([&] {
      while (auto item = queue->get()) {
        if (in_flight.at(*item).fetch_add(1) != 0) overlaps++;
        processed.at(*item)++;
        if (processed.at(*item) % 3 == 0) queue->add_after(*item, 20ms);  // a worker's own requeue
        in_flight.at(*item).fetch_sub(1);
        queue->done(*item);
      }
    });
  }
  std::vector<std::thread> producers;
  for (int p = 0; p < 3; ++p) {
    producers.emplace_back([&, p] {
      for (int i = 0; i < 2000; ++i) {
        const auto& key = keys[(i + p) % keys.size()];
        if (i % 5 == 0) {
          queue->add(key);
        } else {
          queue->add_after(key, std::chrono::milliseconds(i % 50));
        }
      }
    });
  }
  for (auto& t : producers) t.join();
  clock->advance(1s);  // every delayed entry is due
  EXPECT_TRUE(kappa::testing::wait_for(
      10s, [&] { return std::all_of(keys.begin(), keys.end(), [&](const auto& k) { return processed.at(k) > 0; }); },
      1ms));
  queue->shut_down_with_drain();
  for (auto& t : threads) t.join();
  EXPECT_EQ(overlaps.load(), 0);
}

TEST(WorkQueue, RateLimitedRequeueBacksOffExponentiallyAndForgetResets) {
  auto clock = std::make_shared<FakeClock>();
  auto queue = make_queue(clock);
  queue->add_rate_limited("ns/failing");  // 5 ms
  queue->add_rate_limited("ns/failing");  // 10 ms
  queue->add_rate_limited("ns/failing");  // 20 ms
  EXPECT_EQ(queue->num_requeues("ns/failing"), 3);
  clock->advance(5ms);
  EXPECT_EQ(queue->get(), "ns/failing");
  queue->done("ns/failing");
  queue->forget("ns/failing");
  EXPECT_EQ(queue->num_requeues("ns/failing"), 0);
}

TEST(WorkQueue, ShutDownDrainsQueuedItemsThenStops) {
  auto queue = make_queue(std::make_shared<FakeClock>());
  queue->add("ns/a");
  queue->add_after("ns/delayed", 1h);
  queue->shut_down();
  queue->add("ns/ignored");
  EXPECT_EQ(queue->get(), "ns/a");
  EXPECT_EQ(queue->get(), std::nullopt);
}

TEST(WorkQueue, ShutDownWakesBlockedWorkers) {
  auto queue = make_queue(std::make_shared<FakeClock>());
  auto got = get_async(*queue);
  EXPECT_EQ(got.wait_for(50ms), std::future_status::timeout);
  queue->shut_down();
  ASSERT_EQ(got.wait_for(2s), std::future_status::ready);
  EXPECT_EQ(got.get(), std::nullopt);
}

TEST(WorkQueue, ShutDownWithDrainWaitsForInFlightItems) {
  auto queue = make_queue(std::make_shared<FakeClock>());
  queue->add("ns/a");
  ASSERT_EQ(queue->get(), "ns/a");
  auto drained = std::async(std::launch::async, [&] { queue->shut_down_with_drain(); });
  EXPECT_EQ(drained.wait_for(50ms), std::future_status::timeout);
  queue->done("ns/a");
  EXPECT_EQ(drained.wait_for(2s), std::future_status::ready);
}

}  // namespace
