#include "cmd/manager.h"

#include <spdlog/spdlog.h>

#include "api/names.h"
#include "controllers/cache_trim.h"
#include "controllers/timed_kafka_admin.h"
#include "controllers/watches.h"
#include "kafka/rdkafka_admin.h"

namespace kappa::operator_cmd {

using nlohmann::json;

namespace {

kube::InformerOptions managed_only(const std::string& ns) {
  kube::InformerOptions o;
  o.ns = ns;
  o.label_selector = std::string(api::kLabelManagedBy) + "=" + api::kManagedBy;
  return o;
}

kube::InformerOptions trimmed(kube::InformerOptions o, std::function<void(json&)> trim) {
  o.trim = std::move(trim);
  return o;
}

kube::InformerOptions everything(const std::string& ns) {
  kube::InformerOptions o;
  o.ns = ns;
  return o;
}

std::unique_ptr<kube::LeaderElector> make_elector(kube::KubeClient& client, const ManagerOptions& options) {
  if (!options.leader_elect) return nullptr;
  kube::LeaderElectionConfig config;
  config.lease_namespace = options.lease_namespace;
  config.lease_name = options.lease_name;
  config.identity = options.identity;
  config.lease_duration = options.lease_duration;
  config.renew_deadline = options.renew_deadline;
  config.retry_period = options.retry_period;
  return std::make_unique<kube::LeaderElector>(client, config);
}

// Test hook: KAPPA_TEST_CONTROLLER_START_DELAY_MS holds the controllers
// back after the Lease is won, as a slow cache sync would.
std::chrono::milliseconds test_start_delay() {
  const char* value = std::getenv("KAPPA_TEST_CONTROLLER_START_DELAY_MS");
  return std::chrono::milliseconds(value ? std::atol(value) : 0);
}

}  // namespace

Manager::Manager(kube::RestClient& rest, ManagerOptions options)
    : rest_(rest),
      options_(std::move(options)),
      lease_client_(rest_, /*max_throttle_retries=*/0),
      elector_(make_elector(lease_client_, options_)),
      client_(rest_, 3, std::chrono::seconds(10), elector_ ? elector_->term() : nullptr),
      pipelines_(rest_, api::kPipelines, everything(options_.watch_namespace)),
      reprocessings_(rest_, api::kReprocessings, everything(options_.watch_namespace)),
      deployments_(rest_, kube::resources::kDeployments,
                   trimmed(managed_only(options_.watch_namespace), controllers::trim_cached_deployment)),
      services_(rest_, kube::resources::kServices, managed_only(options_.watch_namespace)),
      pods_(rest_, kube::resources::kPods, trimmed(managed_only(options_.watch_namespace), controllers::trim_cached_pod)),
      disruption_budgets_(rest_, kube::resources::kPodDisruptionBudgets, managed_only(options_.watch_namespace)),
      jobs_(rest_, kube::resources::kJobs, managed_only(options_.watch_namespace)),
      events_(client_, "kappa.dev/kappa-operator", options_.identity),
      kafka_(client_,
             [this](const kafka::KafkaConnection& c) {
               return std::make_shared<controllers::TimedKafkaAdmin>(std::make_shared<kafka::RdKafkaAdmin>(c),
                                                                     options_.metrics);
             },
             options_.kafka_timeout),
      context_{client_,
               {pipelines_.cache(), reprocessings_.cache(), deployments_.cache(), services_.cache(), pods_.cache(),
                disruption_budgets_.cache(), jobs_.cache()},
               kafka_,
               events_,
               std::make_shared<SteadyClock>(),
               [] { return std::chrono::system_clock::now(); },
               options_.controller,
               options_.metrics},
      pipeline_reconciler_(context_),
      reprocessing_reconciler_(context_),
      pipeline_controller_("pipeline", pipeline_reconciler_, options_.workers),
      reprocessing_controller_("reprocessing", reprocessing_reconciler_, options_.workers) {
  reprocessings_.cache().add_index(controllers::kByPipelineRef, controllers::pipeline_ref_index);
  controllers::Informers informers{pipelines_, reprocessings_, deployments_, services_, pods_, disruption_budgets_,
                                   jobs_};
  controllers::watch_for_pipelines(pipeline_controller_, informers);
  controllers::watch_for_reprocessings(reprocessing_controller_, informers);
}

Manager::~Manager() { stop(); }

void Manager::start() {
  for (auto* informer : informers()) informer->start();
  if (!options_.leader_elect) {
    leading_ = true;
    // On a thread of its own, as with an elector: waiting for the caches
    // must not keep the process from seeing SIGTERM.
    starter_ = std::thread([this] { start_controllers(); });
    return;
  }
  elector_->start(
      [this] {
        spdlog::info("became leader ({}); starting controllers", options_.identity);
        leading_ = true;
        start_controllers();
      },
      [this] {
        if (!stopping_) {
          spdlog::error("lost leadership of lease {}/{}", options_.lease_namespace, options_.lease_name);
          lost_ = true;
        }
        leading_ = false;
      });
}

// Runs on the elector's starter thread: it may take long (the caches sync
// first) while renewals go on; writes are fenced by the lease term anyway.
void Manager::start_controllers() {
  if (const auto delay = test_start_delay(); delay.count() > 0) {
    spdlog::warn("KAPPA_TEST_CONTROLLER_START_DELAY_MS: controllers start in {} ms", delay.count());
    std::this_thread::sleep_for(delay);
  }
  for (auto* informer : informers()) {
    while (!informer->wait_for_sync(std::chrono::seconds(1))) {
      if (stopping_ || lost_) return;
      spdlog::warn("waiting for the {} informer to sync", informer->resource().plural);
    }
  }
  std::lock_guard lock(start_mutex_);  // stop() either sees them started or stops them starting
  if (stopping_ || lost_ || controllers_started_.exchange(true)) return;
  // Everything already there is looked at once (informer adds happened
  // before the controllers ran; the queue kept them).
  pipeline_controller_.start();
  reprocessing_controller_.start();
  // Catching-up versions are measured in one batched round per interval,
  // and each round wakes the versions it measured: background work, which
  // a new version's event goes before.
  context_.lag_poller->set_wake([this](const std::string& key) {
    reprocessing_controller_.queue().add(key, kube::WorkQueue::Priority::Background);
  });
  lag_loop_ = std::make_unique<controllers::LagPollLoop>(*context_.lag_poller, options_.controller.lag_poll_interval);
}

void Manager::stop() {
  {
    std::lock_guard lock(start_mutex_);
    stopping_ = true;
  }
  if (starter_.joinable()) starter_.join();  // it sees stopping_ within a second
  // Controllers drain first (their writes end), then the Lease is released.
  if (controllers_started_) {
    lag_loop_.reset();  // no more wakes into the queues being stopped
    pipeline_controller_.stop();
    reprocessing_controller_.stop();
  }
  if (elector_) elector_->stop(/*release=*/true);
  for (auto* informer : informers()) informer->stop();
  events_.flush();
}

bool Manager::ready() const {
  return pipelines_.has_synced() && reprocessings_.has_synced() && deployments_.has_synced() &&
         services_.has_synced() && pods_.has_synced() && disruption_budgets_.has_synced() && jobs_.has_synced();
}

std::array<kube::Informer*, 7> Manager::informers() {
  return {&pipelines_, &reprocessings_, &deployments_, &services_, &pods_, &disruption_budgets_, &jobs_};
}

}  // namespace kappa::operator_cmd
