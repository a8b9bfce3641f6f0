// The EventRecorder's memory stays bounded over a long catch-up whose
// notes carry live lag numbers, while repeats still become one Event.
#include "kube/event_recorder.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <stdexcept>

#include "support/fake_clock.h"

namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using kappa::kube::EventRecorder;
using kappa::kube::ObjectRef;

// Just enough of the API for events: creates and series patches, recorded.
class EventSink final : public kappa::kube::KubeClient {
 public:
  json create(const kappa::kube::Resource&, const std::string&, const json& object,
              const kappa::kube::CreateOptions&) override {
    std::lock_guard lock(mutex_);
    creates_by_note_[object.value("note", "")]++;
    names_to_note_[object["metadata"]["name"].get<std::string>()] = object.value("note", "");
    return object;
  }
  json patch(const kappa::kube::Resource&, const std::string&, const std::string& name, kappa::kube::PatchType,
             const json& body, const kappa::kube::PatchOptions&) override {
    std::lock_guard lock(mutex_);
    series_count_by_note_[names_to_note_.at(name)] = body["series"]["count"].get<int>();
    return body;
  }
  json get(const kappa::kube::Resource&, const std::string&, const std::string&) override { return unused(); }
  json list(const kappa::kube::Resource&, const std::string&, const kappa::kube::ListOptions&) override {
    return unused();
  }
  json update(const kappa::kube::Resource&, const json&) override { return unused(); }
  json update_status(const kappa::kube::Resource&, const json&) override { return unused(); }
  void remove(const kappa::kube::Resource&, const std::string&, const std::string&,
              const kappa::kube::DeleteOptions&) override {
    unused();
  }

  int creates(const std::string& note) {
    std::lock_guard lock(mutex_);
    return creates_by_note_[note];
  }
  int series_count(const std::string& note) {
    std::lock_guard lock(mutex_);
    return series_count_by_note_[note];
  }

 private:
  static json unused() { throw std::logic_error("the recorder only creates and patches Events"); }

  std::mutex mutex_;
  std::map<std::string, int> creates_by_note_;
  std::map<std::string, std::string> names_to_note_;
  std::map<std::string, int> series_count_by_note_;
};

ObjectRef version(int i) {
  const std::string name = "user-stats-v" + std::to_string(i);
  return {"kappa.dev/v1alpha1", "Reprocessing", "team", name, "uid-" + name};
}

TEST(EventRecorderMemory, ALongCatchUpOfDistinctNotesStaysWithinTheBound) {
  EventSink sink;
  auto clock = std::make_shared<kappa::testing::FakeClock>();
  EventRecorder recorder(sink, "kappa.dev/operator", "test", clock);
  const ObjectRef hot = version(0);
  const std::string hot_note = "v0 fell behind";
  constexpr int kEvents = 20'000;  // five and a half hours at one a second
  constexpr int kVersions = 5'000;  // more objects than the bound, each within its burst
  std::size_t most_series = 0, most_objects = 0;
  int hot_repeats = 0;
  for (int i = 0; i < kEvents; ++i) {
    const int lag = kEvents - i;
    recorder.normal(version(1 + i % kVersions), "CatchingUp", "Reconcile",
                    "lag " + std::to_string(lag) + " (maxLag 100), 2/2 replicas ready");
    if (i % 100 == 0) {  // one series kept busy within its window all along
      recorder.warning(hot, "FellBehind", "Reconcile", hot_note);
      ++hot_repeats;
    }
    clock->advance(1s);
    if (i % 500 == 499) {
      recorder.flush();  // the API keeps up: nothing is dropped for a full queue
      most_series = std::max(most_series, recorder.tracked_series());
      most_objects = std::max(most_objects, recorder.tracked_objects());
    }
  }
  recorder.flush();
  EXPECT_LE(most_series, EventRecorder::Limits{}.max_tracked);
  EXPECT_LE(most_objects, EventRecorder::Limits{}.max_tracked);
  EXPECT_EQ(recorder.dropped(), 0);
  EXPECT_EQ(sink.creates(hot_note), 1) << "a series in use must not be evicted";
  EXPECT_EQ(sink.series_count(hot_note), hot_repeats);
}

TEST(EventRecorderMemory, AnEvictedSeriesStillWritesItsLastCount) {
  EventSink sink;
  auto clock = std::make_shared<kappa::testing::FakeClock>();
  EventRecorder::Limits limits;
  limits.max_tracked = 2;
  EventRecorder recorder(sink, "kappa.dev/operator", "test", clock, limits);
  recorder.normal(version(1), "CatchingUp", "Reconcile", "repeated");
  recorder.flush();  // created
  recorder.normal(version(1), "CatchingUp", "Reconcile", "repeated");
  recorder.normal(version(1), "CatchingUp", "Reconcile", "repeated");  // within the write interval: not yet written
  recorder.normal(version(2), "CatchingUp", "Reconcile", "other");
  recorder.normal(version(3), "CatchingUp", "Reconcile", "third");  // evicts "repeated"
  recorder.flush();
  EXPECT_EQ(recorder.tracked_series(), 2u);
  EXPECT_EQ(sink.creates("repeated"), 1);
  EXPECT_EQ(sink.series_count("repeated"), 3);
}

}  // namespace
