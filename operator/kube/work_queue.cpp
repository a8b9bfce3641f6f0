#include "kube/work_queue.h"

#include <algorithm>

#include "kube/runtime_metrics.h"

namespace kappa::kube {

namespace {
std::size_t index(WorkQueue::Priority priority) { return static_cast<std::size_t>(priority); }
}  // namespace

WorkQueue::WorkQueue(std::shared_ptr<const Clock> clock, std::unique_ptr<RateLimiter> limiter, std::string name,
                     Clock::duration background_max_wait)
    : clock_(std::move(clock)), limiter_(std::move(limiter)), name_(std::move(name)),
      background_max_wait_(background_max_wait) {}

void WorkQueue::add(const std::string& item, Priority priority) {
  std::lock_guard lock(mutex_);
  add_locked(item, priority);
}

void WorkQueue::add_locked(const std::string& item, Priority priority) {
  if (shutting_down_) return;
  if (auto it = dirty_.find(item); it != dirty_.end()) {
    if (it->second >= priority) return;
    // Queued as background, now an event: move it up (a linear scan, but
    // only on this upgrade).
    it->second = priority;
    if (processing_.count(item)) return;
    auto& low = ready_[index(Priority::Background)];
    if (const auto at = std::find(low.begin(), low.end(), item); at != low.end()) low.erase(at);
    ready_[index(priority)].push_back(item);
    cv_.notify_one();
    return;
  }
  runtime_metrics().queue_added(name_);
  dirty_.emplace(item, priority);
  queued_at_.emplace(item, clock_->now());
  // While a worker holds it, the item only stays dirty; done() re-queues it.
  if (processing_.count(item)) return;
  ready_[index(priority)].push_back(item);
  runtime_metrics().queue_depth(name_, len_locked());
  cv_.notify_one();
}

void WorkQueue::add_after(const std::string& item, Clock::duration delay, Priority priority) {
  std::lock_guard lock(mutex_);
  if (shutting_down_) return;
  if (delay <= Clock::duration::zero()) {
    add_locked(item, priority);
    return;
  }
  const auto ready_at = clock_->now() + delay;
  if (auto it = waiting_.find(item); it != waiting_.end()) {
    it->second.priority = std::max(it->second.priority, priority);
    if (it->second.ready_at <= ready_at) return;  // already due no later
    waiting_by_time_.erase({it->second.ready_at, item});
    it->second.ready_at = ready_at;
  } else {
    waiting_.emplace(item, Waiting{ready_at, priority});
  }
  waiting_by_time_.emplace(ready_at, item);
  // Wake a waiting worker so it re-computes how long to sleep.
  cv_.notify_all();
}

void WorkQueue::add_rate_limited(const std::string& item) {
  runtime_metrics().queue_retried(name_);
  add_after(item, limiter_->when(item), Priority::Event);
}

void WorkQueue::forget(const std::string& item) { limiter_->forget(item); }

int WorkQueue::num_requeues(const std::string& item) { return limiter_->retries(item); }

void WorkQueue::promote_ready_locked() {
  const auto now = clock_->now();
  while (!waiting_by_time_.empty() && waiting_by_time_.begin()->first <= now) {
    const std::string item = waiting_by_time_.begin()->second;
    waiting_by_time_.erase(waiting_by_time_.begin());
    const Priority priority = waiting_.at(item).priority;
    waiting_.erase(item);
    add_locked(item, priority);
  }
}

// Events first, unless the oldest background item has waited its bound.
std::deque<std::string>& WorkQueue::next_ready_locked() {
  auto& events = ready_[index(Priority::Event)];
  auto& background = ready_[index(Priority::Background)];
  if (events.empty()) return background;
  if (background.empty()) return events;
  const auto queued = queued_at_.find(background.front());
  const bool overdue = queued != queued_at_.end() && clock_->now() - queued->second >= background_max_wait_;
  return overdue ? background : events;
}

std::optional<std::string> WorkQueue::get() {
  std::unique_lock lock(mutex_);
  while (true) {
    if (!shutting_down_) promote_ready_locked();
    if (auto& ready = next_ready_locked(); !ready.empty()) {
      std::string item = std::move(ready.front());
      ready.pop_front();
      processing_.insert(item);
      dirty_.erase(item);
      if (auto it = queued_at_.find(item); it != queued_at_.end()) {
        runtime_metrics().queue_latency(name_, clock_->now() - it->second);
        queued_at_.erase(it);
      }
      runtime_metrics().queue_depth(name_, len_locked());
      return item;
    }
    if (shutting_down_) return std::nullopt;
    if (waiting_by_time_.empty()) {
      cv_.wait(lock);
    } else {
      clock_->wait_until(lock, cv_, waiting_by_time_.begin()->first);
    }
  }
}

void WorkQueue::done(const std::string& item) {
  std::lock_guard lock(mutex_);
  processing_.erase(item);
  if (auto it = dirty_.find(item); it != dirty_.end()) {
    ready_[index(it->second)].push_back(item);
    runtime_metrics().queue_depth(name_, len_locked());
  }
  cv_.notify_all();  // a waiting worker, or shut_down_with_drain()
}

void WorkQueue::shut_down() {
  std::lock_guard lock(mutex_);
  shutting_down_ = true;
  waiting_.clear();
  waiting_by_time_.clear();
  cv_.notify_all();
}

void WorkQueue::shut_down_with_drain() {
  shut_down();
  std::unique_lock lock(mutex_);
  cv_.wait(lock, [this] { return processing_.empty(); });
}

bool WorkQueue::shutting_down() const {
  std::lock_guard lock(mutex_);
  return shutting_down_;
}

std::size_t WorkQueue::len() const {
  std::lock_guard lock(mutex_);
  return len_locked();
}

std::size_t WorkQueue::len_locked() const { return ready_[0].size() + ready_[1].size(); }

}  // namespace kappa::kube
