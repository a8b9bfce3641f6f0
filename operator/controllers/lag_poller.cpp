#include "controllers/lag_poller.h"

#include <spdlog/spdlog.h>

#include <tuple>
#include <utility>
#include <vector>

namespace kappa::controllers {
namespace {

bool same_query(const kafka::LagQuery& a, const kafka::LagQuery& b) {
  if (a.group != b.group || a.topics.size() != b.topics.size()) return false;
  for (std::size_t i = 0; i < a.topics.size(); ++i) {
    if (std::tie(a.topics[i].name, a.topics[i].start_offsets) != std::tie(b.topics[i].name, b.topics[i].start_offsets)) {
      return false;
    }
  }
  return true;
}

}  // namespace

void LagPoller::set_wake(Wake wake) {
  std::lock_guard lock(mutex_);
  wake_ = std::move(wake);
}

std::optional<LagPoller::Reading> LagPoller::read(const std::string& key,
                                                  const std::shared_ptr<kafka::KafkaAdmin>& admin,
                                                  const kafka::LagQuery& query) {
  std::lock_guard lock(mutex_);
  const auto it = watches_.find(key);
  if (it == watches_.end() || it->second.admin != admin || !same_query(it->second.query, query)) {
    watches_[key] = Watch{admin, query, std::nullopt, std::nullopt, false, 0};  // measured in the next round
    return std::nullopt;
  }
  Watch& w = it->second;
  w.rounds_unread = 0;
  if (w.failure) throw *w.failure;
  if (!w.reading) return std::nullopt;
  return Reading{*w.reading, std::exchange(w.fresh, false)};
}

void LagPoller::forget(const std::string& key) {
  std::lock_guard lock(mutex_);
  watches_.erase(key);
}

std::size_t LagPoller::watched() const {
  std::lock_guard lock(mutex_);
  return watches_.size();
}

// What this round measures, per cluster; drops what nobody reads any more.
LagPoller::Batch LagPoller::due_locked() {
  Batch batch;
  for (auto it = watches_.begin(); it != watches_.end();) {
    if (++it->second.rounds_unread > rounds_to_forget_) {
      it = watches_.erase(it);
      continue;
    }
    batch[it->second.admin][it->first] = it->second.query;
    ++it;
  }
  return batch;
}

std::size_t LagPoller::poll_round() {
  Batch batch;  // holds each admin client alive through its call
  {
    std::lock_guard lock(mutex_);
    batch = due_locked();
  }
  std::vector<std::string> woken;
  for (const auto& [admin, by_key] : batch) {
    std::vector<kafka::LagQuery> queries;
    for (const auto& [key, query] : by_key) queries.push_back(query);
    std::vector<kafka::GroupLag> readings;
    std::optional<kafka::KafkaError> failure;
    try {
      readings = admin->lag_batch(queries);
    } catch (const kafka::KafkaError& e) {
      failure = e;
    }
    record(admin, by_key, readings, failure, woken);
  }
  Wake wake;
  {
    std::lock_guard lock(mutex_);
    wake = wake_;
  }
  if (wake) {
    for (const auto& key : woken) wake(key);
  }
  return batch.size();
}

// Stores one cluster's answers where the query is still the one measured.
void LagPoller::record(const std::shared_ptr<kafka::KafkaAdmin>& admin,
                       const std::map<std::string, kafka::LagQuery>& queries,
                       const std::vector<kafka::GroupLag>& readings, const std::optional<kafka::KafkaError>& failure,
                       std::vector<std::string>& woken) {
  std::lock_guard lock(mutex_);
  std::size_t i = 0;
  for (const auto& [key, query] : queries) {
    const std::size_t index = i++;
    const auto it = watches_.find(key);
    if (it == watches_.end() || it->second.admin != admin || !same_query(it->second.query, query)) continue;
    Watch& w = it->second;
    w.failure = failure;
    if (!failure) {
      w.reading = index < readings.size() ? readings[index] : kafka::GroupLag{query.group, 0, {}, "no answer"};
    }
    w.fresh = true;
    woken.push_back(key);
  }
}

LagPollLoop::LagPollLoop(LagPoller& poller, std::chrono::milliseconds interval)
    : poller_(poller), interval_(interval), thread_([this] { run(); }) {}

LagPollLoop::~LagPollLoop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void LagPollLoop::run() {
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, interval_, [this] { return stopping_; })) {
    lock.unlock();
    try {
      poller_.poll_round();
    } catch (const std::exception& e) {
      spdlog::warn("lag polling round failed: {}", e.what());  // the next round tries again
    }
    lock.lock();
  }
}

}  // namespace kappa::controllers
