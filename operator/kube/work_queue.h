#pragma once
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
// Items are keys (namespace/name), never objects: workers read fresh state.
class WorkQueue {
 public:
  WorkQueue(std::shared_ptr<const Clock> clock, std::unique_ptr<RateLimiter> limiter,
            std::string name = "default");

  void add(const std::string& item);
  void add_after(const std::string& item, Clock::duration delay);
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
  void add_locked(const std::string& item);
  void promote_ready_locked();

  std::shared_ptr<const Clock> clock_;
  std::unique_ptr<RateLimiter> limiter_;
  std::string name_;  // for metrics
  std::map<std::string, Clock::time_point> queued_at_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::string> queue_;
  std::set<std::string> dirty_;
  std::set<std::string> processing_;
  // The delayed items: one entry per item, in both views.
  std::map<std::string, Clock::time_point> waiting_;
  std::set<std::pair<Clock::time_point, std::string>> waiting_by_time_;
  bool shutting_down_ = false;
};

}  // namespace kappa::kube
