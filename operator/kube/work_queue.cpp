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
  delayed_.push({clock_->now() + delay, item});
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
  while (!delayed_.empty() && delayed_.top().ready_at <= now) {
    const std::string item = delayed_.top().item;
    delayed_.pop();
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
    if (delayed_.empty()) {
      cv_.wait(lock);
    } else {
      clock_->wait_until(lock, cv_, delayed_.top().ready_at);
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
  while (!delayed_.empty()) delayed_.pop();
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
