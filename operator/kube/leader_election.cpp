#include "kube/leader_election.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <random>

#include "kube/api_error.h"
#include "kube/time_format.h"

namespace kappa::kube {
namespace {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

// client-go jitters the retry period by up to 20% so candidates spread out.
std::chrono::milliseconds jittered(std::chrono::seconds period) {
  static thread_local std::mt19937 rng{std::random_device{}()};
  const double factor = std::uniform_real_distribution<double>(1.0, 1.2)(rng);
  return std::chrono::milliseconds(static_cast<long>(std::chrono::milliseconds(period).count() * factor));
}

std::string now_micro() { return format_micro_time(std::chrono::system_clock::now()); }

}  // namespace

std::string default_leader_identity() {
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  std::mt19937_64 rng{std::random_device{}()};
  static const char* hex = "0123456789abcdef";
  std::string suffix;
  for (int i = 0; i < 12; ++i) suffix += hex[rng() % 16];
  return std::string(host) + "_" + suffix;
}

LeaderElector::LeaderElector(KubeClient& client, LeaderElectionConfig config)
    : client_(client), config_(std::move(config)) {}

LeaderElector::~LeaderElector() { stop(false); }

void LeaderElector::start(std::function<void()> on_started, std::function<void()> on_stopped) {
  on_started_ = std::move(on_started);
  on_stopped_ = std::move(on_stopped);
  thread_ = std::thread([this] { run(); });
}

void LeaderElector::stop(bool release_lease) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (leader_) {
    leader_ = false;
    if (release_lease) release();
    if (on_stopped_) on_stopped_();
  }
}

bool LeaderElector::sleep_for(std::chrono::milliseconds d) {
  std::unique_lock lock(mutex_);
  return !cv_.wait_for(lock, d, [this] { return stopping_.load(); });
}

bool LeaderElector::try_acquire_or_renew() {
  const Resource& leases = resources::kLeases;
  json lease;
  try {
    lease = client_.get(leases, config_.lease_namespace, config_.lease_name);
  } catch (const ApiError& e) {
    if (e.kind() != ApiErrorKind::NotFound) throw;
    const std::string now = now_micro();
    client_.create(leases, config_.lease_namespace,
                   {{"apiVersion", "coordination.k8s.io/v1"},
                    {"kind", "Lease"},
                    {"metadata", {{"name", config_.lease_name}, {"namespace", config_.lease_namespace}}},
                    {"spec",
                     {{"holderIdentity", config_.identity},
                      {"leaseDurationSeconds", config_.lease_duration.count()},
                      {"acquireTime", now},
                      {"renewTime", now},
                      {"leaseTransitions", 0}}}});
    observed_holder_ = config_.identity;
    observed_at_ = steady::now();
    return true;
  }

  json& spec = lease["spec"];
  const std::string holder = spec.value("holderIdentity", "");
  const std::string renew_time = spec.value("renewTime", "");
  if (holder != observed_holder_ || renew_time != observed_renew_time_) {
    observed_holder_ = holder;
    observed_renew_time_ = renew_time;
    observed_at_ = steady::now();
  }
  const auto duration = std::chrono::seconds(spec.value("leaseDurationSeconds", config_.lease_duration.count()));
  const bool held_by_other = !holder.empty() && holder != config_.identity;
  if (held_by_other && observed_at_ + duration > steady::now()) return false;

  const std::string now = now_micro();
  if (holder != config_.identity) {
    spec["acquireTime"] = now;
    spec["leaseTransitions"] = spec.value("leaseTransitions", 0) + 1;
  }
  spec["holderIdentity"] = config_.identity;
  spec["leaseDurationSeconds"] = config_.lease_duration.count();
  spec["renewTime"] = now;
  client_.update(leases, lease);  // guarded by the resourceVersion we read
  observed_holder_ = config_.identity;
  observed_renew_time_ = now;
  observed_at_ = steady::now();
  return true;
}

void LeaderElector::release() {
  try {
    json lease = client_.get(resources::kLeases, config_.lease_namespace, config_.lease_name);
    if (lease["spec"].value("holderIdentity", "") != config_.identity) return;
    lease["spec"]["holderIdentity"] = "";
    lease["spec"]["leaseDurationSeconds"] = 1;
    lease["spec"]["renewTime"] = now_micro();
    client_.update(resources::kLeases, lease);
    spdlog::info("released leader lease {}/{}", config_.lease_namespace, config_.lease_name);
  } catch (const std::exception& e) {
    spdlog::warn("could not release leader lease: {}", e.what());
  }
}

void LeaderElector::run() {
  // Campaign until we hold the lease.
  while (!stopping_) {
    try {
      if (try_acquire_or_renew()) break;
    } catch (const std::exception& e) {
      spdlog::debug("leader election attempt failed: {}", e.what());
    }
    if (!sleep_for(jittered(config_.retry_period))) return;
  }
  if (stopping_) return;
  leader_ = true;
  spdlog::info("became leader: lease {}/{} held by {}", config_.lease_namespace, config_.lease_name,
               config_.identity);
  if (on_started_) on_started_();

  // Renew; give up when no renewal succeeded within the renew deadline,
  // which is shorter than the lease, so we stop before others may start.
  auto last_renew = steady::now();
  while (sleep_for(config_.retry_period)) {
    bool renewed = false;
    try {
      renewed = try_acquire_or_renew();
    } catch (const std::exception& e) {
      spdlog::warn("leader lease renewal failed: {}", e.what());
    }
    if (renewed) {
      last_renew = steady::now();
    } else if (steady::now() - last_renew >= config_.renew_deadline) {
      spdlog::error("leader election lost: lease {}/{} not renewed within {}s", config_.lease_namespace,
                    config_.lease_name, config_.renew_deadline.count());
      leader_ = false;
      if (on_stopped_) on_stopped_();
      return;
    }
  }
}

}  // namespace kappa::kube
