#pragma once
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "kube/clock.h"
#include "kube/kube_client.h"
#include "kube/lru_map.h"

namespace kappa::kube {

// The object an Event is about.
struct ObjectRef {
  std::string api_version, kind, ns, name, uid;
  static ObjectRef of(const json& object);
};

// Records events.k8s.io/v1 Events without letting a hot loop flood the API:
// - repeats of the same event (object, type, reason, action, note) within
//   the series window become one Event whose series.count grows, written at
//   most once per series_write_interval;
// - each object gets a burst of distinct events, refilled slowly; beyond it
//   events are dropped (and counted);
// - what it remembers (series, per-object buckets) is bounded: notes carry
//   live numbers, so series keys never repeat over a long catch-up. Beyond
//   max_tracked entries each drops its least recently used one, as
//   client-go's event caches do;
// - writes happen on a background thread, so a slow API server never stalls
//   a reconcile. Events are best-effort: failures are logged, not thrown.
class EventRecorder {
 public:
  struct Limits {
    Clock::duration series_window = std::chrono::minutes(10);
    Clock::duration series_write_interval = std::chrono::seconds(30);
    int burst_per_object = 25;
    Clock::duration refill_per_object = std::chrono::minutes(5);
    std::size_t max_pending = 1000;
    std::size_t max_tracked = 4096;  // series, and objects' buckets, each
  };

  EventRecorder(KubeClient& client, std::string reporting_controller, std::string reporting_instance,
                std::shared_ptr<const Clock> clock = std::make_shared<SteadyClock>());
  EventRecorder(KubeClient& client, std::string reporting_controller, std::string reporting_instance,
                std::shared_ptr<const Clock> clock, Limits limits);
  ~EventRecorder();
  EventRecorder(const EventRecorder&) = delete;
  EventRecorder& operator=(const EventRecorder&) = delete;

  void normal(const ObjectRef& regarding, const std::string& reason, const std::string& action,
              const std::string& note);
  void warning(const ObjectRef& regarding, const std::string& reason, const std::string& action,
               const std::string& note);

  // Writes every pending create and series count now; returns when done.
  void flush();
  long dropped() const;
  // What it remembers, for tests of the bound.
  std::size_t tracked_series() const;
  std::size_t tracked_objects() const;

 private:
  struct Series {
    std::string event_name;  // empty until created
    std::string ns;
    int count = 0;
    int written_count = 0;
    Clock::time_point last_seen{};
    Clock::time_point last_written{};
    std::string last_seen_wall;
  };
  struct Bucket {
    double tokens;
    Clock::time_point refilled_at;
  };
  struct Write {
    std::string key;
    json event;  // full Event to create, or null for a series update
    std::optional<Series> evicted;  // a series update's last state, once no longer tracked
  };

  void record(const std::string& type, const ObjectRef& regarding, const std::string& reason,
              const std::string& action, const std::string& note);
  bool take_token_locked(const std::string& uid);
  void track_series_locked(const std::string& key, Series series);
  void run();
  void perform(const Write& write);

  KubeClient& client_;
  std::string controller_, instance_;
  std::shared_ptr<const Clock> clock_;
  Limits limits_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::condition_variable idle_cv_;
  LruMap<Series> series_;
  LruMap<Bucket> buckets_;
  std::deque<Write> pending_;
  bool busy_ = false;
  bool stopping_ = false;
  long dropped_ = 0;
  std::thread thread_;
};

}  // namespace kappa::kube
