#pragma once
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "kube/clock.h"
#include "kube/rate_limiter.h"

namespace kappa::kube {

// A rate-limited, delaying work queue with client-go's guarantees:
// - an item is never handed to two workers at once (the processing set);
// - adding an item that is already waiting does nothing (the dirty set);
// - adding an item while it is being processed re-queues it after done();
// - add_after() delays, add_rate_limited() backs off per the RateLimiter;
//   an item waits at most once, at the earliest time asked for (client-go's
//   waitingEntryByData): every event of a polled object asks again, and
//   each kept timer would be one more reconcile per poll interval.
// - two priorities, like controller-runtime's priority queue: an event (a
//   new or changed object) is served before background work (a timer come
//   due, a lag round's wake), so a change is not queued behind a round
//   that woke hundreds of catching-up versions. A background item waits
//   at most `background_max_wait` while events keep coming, so it is never
//   starved; adding a queued item at a higher priority moves it up.
// Items are keys (namespace/name), never objects: workers read fresh state.
class WorkQueue {
 public:
  enum class Priority { Background = 0, Event = 1 };

  WorkQueue(std::shared_ptr<const Clock> clock, std::unique_ptr<RateLimiter> limiter,
            std::string name = "default", Clock::duration background_max_wait = std::chrono::seconds(10));

  void add(const std::string& item, Priority priority = Priority::Event);
  // A delayed item is background work when it comes due.
  void add_after(const std::string& item, Clock::duration delay, Priority priority = Priority::Background);
  // A retry keeps event priority: its backoff already delays it.
  void add_rate_limited(const std::string& item);
  // Clears the item's backoff (call after a successful reconcile).
  void forget(const std::string& item);
  int num_requeues(const std::string& item);

  // Blocks until an item is ready; nullopt once shut down and drained.
  std::optional<std::string> get();
  // Marks the item processed; required after every successful get().
  void done(const std::string& item);

  // Stops accepting items; get() hands out what is already queued, then
  // returns nullopt. Delayed items are dropped.
  void shut_down();
  // shut_down(), then waits until every item handed out is done().
  void shut_down_with_drain();
  bool shutting_down() const;

  std::size_t len() const;  // items ready to be handed out

 private:
  void add_locked(const std::string& item, Priority priority);
  void promote_ready_locked();
  std::deque<std::string>& next_ready_locked();
  std::size_t len_locked() const;

  struct Waiting {
    Clock::time_point ready_at;
    Priority priority;
  };

  std::shared_ptr<const Clock> clock_;
  std::unique_ptr<RateLimiter> limiter_;
  std::string name_;  // for metrics
  Clock::duration background_max_wait_;
  std::map<std::string, Clock::time_point> queued_at_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  // The ready items, one queue per priority (index: Priority).
  std::deque<std::string> ready_[2];
  // Items added and not yet handed out, with the highest priority asked.
  std::map<std::string, Priority> dirty_;
  std::set<std::string> processing_;
  // The delayed items: one entry per item, in both views.
  std::map<std::string, Waiting> waiting_;
  std::set<std::pair<Clock::time_point, std::string>> waiting_by_time_;
  bool shutting_down_ = false;
};

}  // namespace kappa::kube
