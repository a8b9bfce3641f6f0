#include "kube/event_recorder.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <random>

#include "kube/time_format.h"

namespace kappa::kube {
namespace {

constexpr std::size_t kMaxNoteBytes = 1024;  // the API's limit on note

std::string random_suffix() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  static const char* hex = "0123456789abcdef";
  std::string s;
  for (int i = 0; i < 16; ++i) s += hex[rng() % 16];
  return s;
}

}  // namespace

ObjectRef ObjectRef::of(const json& object) {
  const auto& m = object.at("metadata");
  return {object.value("apiVersion", ""), object.value("kind", ""), m.value("namespace", ""),
          m.value("name", ""), m.value("uid", "")};
}

EventRecorder::EventRecorder(KubeClient& client, std::string reporting_controller, std::string reporting_instance,
                             std::shared_ptr<const Clock> clock)
    : EventRecorder(client, std::move(reporting_controller), std::move(reporting_instance), std::move(clock),
                    Limits{}) {}

EventRecorder::EventRecorder(KubeClient& client, std::string reporting_controller, std::string reporting_instance,
                             std::shared_ptr<const Clock> clock, Limits limits)
    : client_(client), controller_(std::move(reporting_controller)), instance_(std::move(reporting_instance)),
      clock_(std::move(clock)), limits_(limits), series_(limits.max_tracked), buckets_(limits.max_tracked),
      thread_([this] { run(); }) {}

EventRecorder::~EventRecorder() {
  flush();
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void EventRecorder::normal(const ObjectRef& regarding, const std::string& reason, const std::string& action,
                           const std::string& note) {
  record("Normal", regarding, reason, action, note);
}

void EventRecorder::warning(const ObjectRef& regarding, const std::string& reason, const std::string& action,
                            const std::string& note) {
  record("Warning", regarding, reason, action, note);
}

long EventRecorder::dropped() const {
  std::lock_guard lock(mutex_);
  return dropped_;
}

std::size_t EventRecorder::tracked_series() const {
  std::lock_guard lock(mutex_);
  return series_.size();
}

std::size_t EventRecorder::tracked_objects() const {
  std::lock_guard lock(mutex_);
  return buckets_.size();
}

bool EventRecorder::take_token_locked(const std::string& uid) {
  const auto now = clock_->now();
  Bucket* found = buckets_.find(uid);
  if (!found) {
    // An evicted object starts with a full burst again, as in client-go.
    buckets_.insert(uid, Bucket{static_cast<double>(limits_.burst_per_object), now});
    found = buckets_.find(uid);
  }
  Bucket& bucket = *found;
  const double refill = std::chrono::duration<double>(now - bucket.refilled_at) /
                        std::chrono::duration<double>(limits_.refill_per_object);
  bucket.tokens = std::min<double>(limits_.burst_per_object, bucket.tokens + refill);
  bucket.refilled_at = now;
  if (bucket.tokens < 1.0) return false;
  bucket.tokens -= 1.0;
  return true;
}

void EventRecorder::record(const std::string& type, const ObjectRef& regarding, const std::string& reason,
                           const std::string& action, const std::string& note_in) {
  const std::string note = note_in.substr(0, kMaxNoteBytes);
  const std::string key = regarding.uid + "|" + regarding.ns + "/" + regarding.name + "|" + type + "|" + reason +
                          "|" + action + "|" + note;
  const auto now = clock_->now();
  const std::string wall = format_micro_time(std::chrono::system_clock::now());
  std::lock_guard lock(mutex_);
  Series* found = series_.find(key);
  if (found && now - found->last_seen < limits_.series_window) {
    Series& s = *found;
    ++s.count;
    s.last_seen = now;
    s.last_seen_wall = wall;
    if (!s.event_name.empty() && now - s.last_written >= limits_.series_write_interval) {
      s.last_written = now;
      pending_.push_back({key, nullptr, std::nullopt});
      cv_.notify_one();
    }
    return;
  }
  if (!take_token_locked(regarding.uid) || pending_.size() >= limits_.max_pending) {
    ++dropped_;
    spdlog::debug("event {} {} on {}/{} dropped by the rate limit", type, reason, regarding.ns, regarding.name);
    return;
  }
  Series s;
  s.count = 1;
  s.last_seen = s.last_written = now;
  s.last_seen_wall = wall;
  s.ns = regarding.ns.empty() ? "default" : regarding.ns;
  track_series_locked(key, s);
  json event = {
      {"apiVersion", "events.k8s.io/v1"},
      {"kind", "Event"},
      {"metadata", {{"name", regarding.name + "." + random_suffix()}, {"namespace", s.ns}}},
      {"eventTime", wall},
      {"reportingController", controller_},
      {"reportingInstance", instance_},
      {"action", action},
      {"reason", reason},
      {"type", type},
      {"note", note},
      {"regarding",
       {{"apiVersion", regarding.api_version},
        {"kind", regarding.kind},
        {"namespace", regarding.ns},
        {"name", regarding.name},
        {"uid", regarding.uid}}},
  };
  pending_.push_back({key, std::move(event), std::nullopt});
  cv_.notify_one();
}

void EventRecorder::track_series_locked(const std::string& key, Series series) {
  auto evicted = series_.insert(key, std::move(series));
  // An evicted series' unwritten repeats still reach its Event. (One whose
  // create is still pending keeps count 1: that takes max_tracked newer
  // series within one write.)
  if (evicted && !evicted->second.event_name.empty() && evicted->second.count > evicted->second.written_count) {
    pending_.push_back({std::move(evicted->first), nullptr, std::move(evicted->second)});
  }
}

void EventRecorder::flush() {
  std::unique_lock lock(mutex_);
  // Queue a final series write for every series with unwritten repeats.
  series_.for_each([this](const std::string& key, const Series& s) {
    if (!s.event_name.empty() && s.count > s.written_count) pending_.push_back({key, nullptr, std::nullopt});
  });
  cv_.notify_one();
  idle_cv_.wait(lock, [this] { return pending_.empty() && !busy_; });
}

void EventRecorder::run() {
  std::unique_lock lock(mutex_);
  while (true) {
    cv_.wait(lock, [this] { return stopping_ || !pending_.empty(); });
    if (pending_.empty() && stopping_) return;
    Write write = std::move(pending_.front());
    pending_.pop_front();
    busy_ = true;
    lock.unlock();
    perform(write);
    lock.lock();
    busy_ = false;
    if (pending_.empty()) idle_cv_.notify_all();
  }
}

void EventRecorder::perform(const Write& write) {
  try {
    if (!write.event.is_null()) {
      const json created = client_.create(resources::kEvents, write.event["metadata"]["namespace"], write.event);
      std::lock_guard lock(mutex_);
      Series* s = series_.peek(write.key);
      if (!s) return;  // evicted meanwhile
      s->event_name = created["metadata"]["name"];
      s->written_count = 1;
      // Repeats that arrived before the create finished need a series write.
      if (s->count > 1) pending_.push_back({write.key, nullptr, std::nullopt});
      return;
    }
    std::string ns, name, last_seen;
    int count = 0;
    {
      std::lock_guard lock(mutex_);
      const Series* s = write.evicted ? &*write.evicted : series_.peek(write.key);
      if (!s || s->event_name.empty() || s->count == s->written_count) return;
      ns = s->ns;
      name = s->event_name;
      count = s->count;
      last_seen = s->last_seen_wall;
    }
    client_.patch(resources::kEvents, ns, name, PatchType::Merge,
                  {{"series", {{"count", count}, {"lastObservedTime", last_seen}}}}, {});
    std::lock_guard lock(mutex_);
    if (Series* s = series_.peek(write.key); s && !write.evicted) s->written_count = count;
  } catch (const std::exception& e) {
    spdlog::warn("could not record event: {}", e.what());
    // A failed create starts afresh next time instead of counting into an
    // Event that does not exist.
    if (!write.event.is_null()) {
      std::lock_guard lock(mutex_);
      series_.erase(write.key);
    }
  }
}

}  // namespace kappa::kube
