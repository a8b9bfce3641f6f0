#include "kube/leader_election.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <random>

#include "kube/api_error.h"
#include "kube/request_deadline.h"
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
    : client_(client),
      config_(std::move(config)),
      term_(std::make_shared<LeaseTerm>(config_.lease_duration, config_.renew_deadline)) {}

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
  if (starter_.joinable()) starter_.join();
  if (leader_) {
    term_->end();
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
    write_sent_at_ = steady::now();
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
  write_sent_at_ = steady::now();
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

bool LeaderElector::attempt(std::chrono::steady_clock::time_point deadline) {
  try {
    ScopedRequestDeadline bound(deadline);
    if (!try_acquire_or_renew()) return false;
  } catch (const std::exception& e) {
    spdlog::log(leader_ ? spdlog::level::warn : spdlog::level::debug, "leader lease {}/{}: attempt failed: {}",
                config_.lease_namespace, config_.lease_name, e.what());
    return false;
  }
  // Timed from when the Lease write was sent: the others time the Lease
  // from when they see that write (or refuse ours if theirs came first).
  term_->extend(write_sent_at_);
  last_success_sent_at_ = write_sent_at_;
  return true;
}

bool LeaderElector::campaign() {
  while (!stopping_) {
    if (attempt(steady::now() + config_.renew_deadline)) return true;
    if (!observed_holder_.empty() && observed_holder_ != config_.identity) {
      spdlog::debug("leader lease {}/{} is held by {}; campaigning", config_.lease_namespace, config_.lease_name,
                    observed_holder_);
    }
    if (!sleep_for(jittered(config_.retry_period))) return false;
  }
  return false;
}

// Renew every retry period; give up when no renewal succeeded within the
// renew deadline (shorter than the lease), so we stop before others may
// start. An attempt's requests are cut at that same moment.
void LeaderElector::renew_until_lost() {
  while (sleep_for(config_.retry_period)) {
    const auto deadline = last_success_sent_at_ + config_.renew_deadline;
    if (!attempt(deadline) && steady::now() >= deadline) {
      term_->end();
      leader_ = false;
      spdlog::error("leader election lost: lease {}/{} not renewed within {}s", config_.lease_namespace,
                    config_.lease_name, config_.renew_deadline.count());
      if (on_stopped_) on_stopped_();
      return;
    }
  }
}

void LeaderElector::run() {
  if (!campaign()) return;
  leader_ = true;
  spdlog::info("became leader: lease {}/{} held by {}", config_.lease_namespace, config_.lease_name,
               config_.identity);
  // client-go starts the leader's work on a goroutine of its own: however
  // long it takes to get going, renewals must not wait for it.
  if (on_started_) starter_ = std::thread(on_started_);
  renew_until_lost();
}

}  // namespace kappa::kube
