#pragma once
#include <array>
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "controllers/controller_context.h"
#include "controllers/pipeline_reconciler.h"
#include "controllers/reprocessing_reconciler.h"
#include "kube/controller.h"
#include "kube/event_recorder.h"
#include "kube/http_kube_client.h"
#include "kube/informer.h"
#include "kube/leader_election.h"
#include "kube/rest_client.h"

namespace kappa::operator_cmd {

struct ManagerOptions {
  std::string watch_namespace;  // "" = all namespaces
  int workers = 2;
  bool leader_elect = true;
  std::string lease_namespace = "default";
  std::string lease_name = "kappa-operator-leader";
  std::string identity;
  // client-go's defaults; tests shorten them to fail over quickly.
  std::chrono::seconds lease_duration{15}, renew_deadline{10}, retry_period{2};
  std::chrono::milliseconds kafka_timeout{std::chrono::seconds(10)};
  controllers::ControllerOptions controller;
  std::shared_ptr<controllers::ControllerMetrics> metrics = std::make_shared<controllers::ControllerMetrics>();
};

// The controller manager: informers for Pipelines, Reprocessings and the
// objects versions are made of, the two controllers, and leader election
// (controllers run only while this process leads; losing the lease ends
// the process, as controller-runtime does, so a restart starts clean).
class Manager {
 public:
  Manager(kube::RestClient& rest, ManagerOptions options);
  ~Manager();
  Manager(const Manager&) = delete;
  Manager& operator=(const Manager&) = delete;

  // Starts informers and the election; returns at once.
  void start();
  // Stops controllers, informers and the election (releasing the lease).
  void stop();
  // Informers synced: the process can serve /readyz.
  bool ready() const;
  bool leading() const { return leading_; }
  // Set when leadership was lost: the process must exit.
  bool lost_leadership() const { return lost_; }

 private:
  void start_controllers();
  std::array<kube::Informer*, 7> informers();

  kube::RestClient& rest_;
  ManagerOptions options_;
  // The Lease's own client: unfenced, no throttle retries (an attempt is
  // bounded by the renew deadline instead).
  kube::HttpKubeClient lease_client_;
  std::unique_ptr<kube::LeaderElector> elector_;  // null without --leader-elect
  // Everything else writes through this one, fenced by the lease term.
  kube::HttpKubeClient client_;
  kube::Informer pipelines_, reprocessings_, deployments_, services_, pods_, disruption_budgets_, jobs_;
  kube::EventRecorder events_;
  controllers::KafkaAdminPool kafka_;
  controllers::ControllerContext context_;
  controllers::PipelineReconciler pipeline_reconciler_;
  controllers::ReprocessingReconciler reprocessing_reconciler_;
  kube::Controller pipeline_controller_;
  kube::Controller reprocessing_controller_;
  std::unique_ptr<controllers::LagPollLoop> lag_loop_;  // while the controllers run
  std::atomic<bool> stopping_{false};
  std::mutex start_mutex_;
  std::thread starter_;  // starts the controllers without leader election
  std::atomic<bool> leading_{false};
  std::atomic<bool> lost_{false};
  std::atomic<bool> controllers_started_{false};
};

}  // namespace kappa::operator_cmd
