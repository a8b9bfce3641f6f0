#pragma once
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "kube/kube_client.h"
#include "kube/lease_term.h"

namespace kappa::kube {

struct LeaderElectionConfig {
  std::string lease_namespace;
  std::string lease_name;
  std::string identity;  // unique per process: hostname_random
  std::chrono::seconds lease_duration{15};
  std::chrono::seconds renew_deadline{10};
  std::chrono::seconds retry_period{2};
};

// Leader election on a coordination.k8s.io/v1 Lease, as client-go does it:
// a candidate takes the lease when it is free or its holder has not renewed
// it for lease_duration (measured on our own clock from when we saw the
// record change); the leader renews every retry_period and, if it cannot
// renew within renew_deadline, gives up leadership before the lease can
// expire for the others. Every write carries the Lease's resourceVersion, so
// two candidates never both win. Each attempt is bounded in time (its
// requests are cut at the renew deadline), and term() is the WriteFence
// that keeps this process's other writes inside the time it holds the Lease.
// The KubeClient given here is for the Lease alone and must not be fenced.
class LeaderElector {
 public:
  LeaderElector(KubeClient& client, LeaderElectionConfig config);
  ~LeaderElector();
  LeaderElector(const LeaderElector&) = delete;
  LeaderElector& operator=(const LeaderElector&) = delete;

  // Starts campaigning on a thread. on_started runs on a thread of its own
  // when we become leader (renewals go on meanwhile, however long it
  // takes); on_stopped runs when we lose leadership or stop() is called
  // while leading. After losing, the elector does not campaign again: the
  // process is expected to exit, as controller-runtime's managers do.
  void start(std::function<void()> on_started, std::function<void()> on_stopped);
  // Stops; when leading and `release`, hands the lease back at once so a
  // standby can take over without waiting for it to expire.
  void stop(bool release = true);

  bool is_leader() const { return leader_; }
  const LeaderElectionConfig& config() const { return config_; }
  // Admits writes only while this process holds the Lease (see LeaseTerm).
  std::shared_ptr<LeaseTerm> term() const { return term_; }

  // One acquire-or-renew attempt; true when we hold the lease afterwards.
  bool try_acquire_or_renew();

 private:
  void run();
  bool campaign();  // false when stopped first
  void renew_until_lost();
  // One attempt whose requests are cut at `deadline`; extends the term on success.
  bool attempt(std::chrono::steady_clock::time_point deadline);
  bool sleep_for(std::chrono::milliseconds d);  // false when stopping
  void release();

  KubeClient& client_;
  LeaderElectionConfig config_;
  std::function<void()> on_started_, on_stopped_;
  std::atomic<bool> leader_{false};
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  std::condition_variable cv_;
  std::shared_ptr<LeaseTerm> term_;
  std::thread thread_;
  std::thread starter_;  // runs on_started
  // The last Lease record seen and when (our steady clock) it changed.
  std::string observed_holder_;
  std::string observed_renew_time_;
  std::chrono::steady_clock::time_point observed_at_{};
  // When the last Lease write was sent, and the last one that succeeded
  // (the run thread's).
  std::chrono::steady_clock::time_point write_sent_at_{};
  std::chrono::steady_clock::time_point last_success_sent_at_{};
};

// hostname + "_" + random suffix: an identity no other process shares.
std::string default_leader_identity();

}  // namespace kappa::kube
