#pragma once
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "kafka/kafka_admin.h"

namespace kappa::controllers {

// Measures the lag of every catching-up version of a cluster in one batched
// admin call per round, instead of one call per Reprocessing per poll: a
// hundred simultaneous catch-ups cost one call an interval, not a hundred.
//
// A reconcile reads its version's latest reading. The first read (or one
// whose query changed) only registers the version: it is measured in the
// next round, never on its own, so a burst of new versions costs no extra
// calls. A round wakes every version it measured, so their reconciles run
// on readings just taken. The reconciler forgets a version that ends or
// goes away. As a safety net, a version nobody read for `rounds_to_forget`
// rounds is dropped too; that is minutes by default, because a reading may
// wait several rounds for its reconcile when a thousand versions catch up
// at once (with 3 rounds, the scale benchmark saw most of them dropped
// before they were ever read, registered again, and dropped again).
class LagPoller {
 public:
  using Wake = std::function<void(const std::string& key)>;
  struct Reading {
    kafka::GroupLag lag;
    // The first hand-out since the round that measured it (the reconcile
    // that round woke): a new poll for progress, and recent enough to
    // switch on.
    bool fresh = false;
  };

  explicit LagPoller(int rounds_to_forget = 120) : rounds_to_forget_(rounds_to_forget) {}

  // Called with the key of every version a round measured.
  void set_wake(Wake wake);
  // Nothing until a round has measured this query. Throws
  // kafka::KafkaError when the last round's call for its cluster failed.
  std::optional<Reading> read(const std::string& key, const std::shared_ptr<kafka::KafkaAdmin>& admin,
                              const kafka::LagQuery& query);
  void forget(const std::string& key);
  // One round: one lag_batch call per cluster over all its versions.
  // Returns how many calls it made.
  std::size_t poll_round();
  std::size_t watched() const;

 private:
  struct Watch {
    std::shared_ptr<kafka::KafkaAdmin> admin;
    kafka::LagQuery query;
    std::optional<kafka::GroupLag> reading;
    std::optional<kafka::KafkaError> failure;
    bool fresh = false;
    int rounds_unread = 0;
  };
  // Per cluster (its admin client), the queries of this round by key.
  using Batch = std::map<std::shared_ptr<kafka::KafkaAdmin>, std::map<std::string, kafka::LagQuery>>;
  Batch due_locked();
  void record(const std::shared_ptr<kafka::KafkaAdmin>& admin, const std::map<std::string, kafka::LagQuery>& queries,
              const std::vector<kafka::GroupLag>& readings, const std::optional<kafka::KafkaError>& failure,
              std::vector<std::string>& woken);

  const int rounds_to_forget_;
  mutable std::mutex mutex_;
  std::map<std::string, Watch> watches_;  // by Reprocessing key
  Wake wake_;
};

// Runs the poller's rounds every `interval` on a thread of its own, from
// construction until destruction.
class LagPollLoop {
 public:
  LagPollLoop(LagPoller& poller, std::chrono::milliseconds interval);
  ~LagPollLoop();
  LagPollLoop(const LagPollLoop&) = delete;
  LagPollLoop& operator=(const LagPollLoop&) = delete;

 private:
  void run();

  LagPoller& poller_;
  const std::chrono::milliseconds interval_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace kappa::controllers
