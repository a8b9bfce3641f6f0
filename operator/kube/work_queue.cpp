#include "kube/work_queue.h"

#include "kube/runtime_metrics.h"

namespace kappa::kube {

WorkQueue::WorkQueue(std::shared_ptr<const Clock> clock, std::unique_ptr<RateLimiter> limiter, std::string name)
    : clock_(std::move(clock)), limiter_(std::move(limiter)), name_(std::move(name)) {}

void WorkQueue::add(const std::string& item) {
  std::lock_guard lock(mutex_);
  add_locked(item);
}

void WorkQueue::add_locked(const std::string& item) {
  if (shutting_down_ || dirty_.count(item)) return;
  runtime_metrics().queue_added(name_);
  dirty_.insert(item);
  queued_at_.emplace(item, clock_->now());
  // While a worker holds it, the item only stays dirty; done() re-queues it.
  if (processing_.count(item)) return;
  queue_.push_back(item);
  runtime_metrics().queue_depth(name_, queue_.size());
  cv_.notify_one();
}

void WorkQueue::add_after(const std::string& item, Clock::duration delay) {
  std::lock_guard lock(mutex_);
  if (shutting_down_) return;
  if (delay <= Clock::duration::zero()) {
    add_locked(item);
    return;
  }
  const auto ready_at = clock_->now() + delay;
  if (auto it = waiting_.find(item); it != waiting_.end()) {
    if (it->second <= ready_at) return;  // already due no later
    waiting_by_time_.erase({it->second, item});
    it->second = ready_at;
  } else {
    waiting_.emplace(item, ready_at);
  }
  waiting_by_time_.emplace(ready_at, item);
  // Wake a waiting worker so it re-computes how long to sleep.
  cv_.notify_all();
}

void WorkQueue::add_rate_limited(const std::string& item) {
  runtime_metrics().queue_retried(name_);
  add_after(item, limiter_->when(item));
}

void WorkQueue::forget(const std::string& item) { limiter_->forget(item); }

int WorkQueue::num_requeues(const std::string& item) { return limiter_->retries(item); }

void WorkQueue::promote_ready_locked() {
  const auto now = clock_->now();
  while (!waiting_by_time_.empty() && waiting_by_time_.begin()->first <= now) {
    const std::string item = waiting_by_time_.begin()->second;
    waiting_by_time_.erase(waiting_by_time_.begin());
    waiting_.erase(item);
    add_locked(item);
  }
}

std::optional<std::string> WorkQueue::get() {
  std::unique_lock lock(mutex_);
  while (true) {
    if (!shutting_down_) promote_ready_locked();
    if (!queue_.empty()) {
      std::string item = std::move(queue_.front());
      queue_.pop_front();
      processing_.insert(item);
      dirty_.erase(item);
      if (auto it = queued_at_.find(item); it != queued_at_.end()) {
        runtime_metrics().queue_latency(name_, clock_->now() - it->second);
        queued_at_.erase(it);
      }
      runtime_metrics().queue_depth(name_, queue_.size());
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
  if (dirty_.count(item)) {
    queue_.push_back(item);
    runtime_metrics().queue_depth(name_, queue_.size());
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
  return queue_.size();
}

}  // namespace kappa::kube
