// kappa-operator: the controller manager binary. Flags, logging, probes and
// signals here; everything else is the Manager's.
#include <csignal>
#include <cstdlib>
#include <thread>

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include "api/duration.h"
#include "cmd/manager.h"
#include "cmd/probe_server.h"
#include "cmd/process_footprint.h"
#include "kappa/common/logging.h"
#include "kube/in_cluster_config.h"
#include "kube/leader_election.h"
#include "kube/runtime_metrics.h"
#include "metrics/operator_metrics.h"

namespace {

volatile std::sig_atomic_t g_stop = 0;
void on_signal(int) { g_stop = 1; }

std::chrono::milliseconds duration_flag(const std::string& name, const std::string& text) {
  try {
    return kappa::api::parse_duration(text);
  } catch (const std::exception& e) {
    throw CLI::ValidationError(name, e.what());
  }
}

// Lease timings are whole seconds (the Lease stores leaseDurationSeconds).
std::chrono::seconds seconds_flag(const std::string& name, const std::string& text) {
  const auto value = std::chrono::duration_cast<std::chrono::seconds>(duration_flag(name, text));
  if (value.count() < 1) throw CLI::ValidationError(name, "at least 1s");
  return value;
}

}  // namespace

int main(int argc, char** argv) {
  kappa::operator_cmd::limit_process_footprint();
  CLI::App app{"kappa-operator: versioned Kappa-architecture reprocessing on Kubernetes"};
  std::string kubeconfig, context, log_level = "info", log_format = "text";
  std::string metrics_address = ":8080", probe_address = ":8081";
  std::string lease_duration = "15s", renew_deadline = "10s", retry_period = "2s";
  std::string lag_poll = "5s", stall_window = "3m", retry_interval = "15s", kafka_timeout = "10s";
  std::string secret_recheck = "5m";
  kappa::operator_cmd::ManagerOptions options;
  if (const char* ns = std::getenv("POD_NAMESPACE")) options.lease_namespace = ns;
  app.add_option("--kubeconfig", kubeconfig, "kubeconfig file (default: $KUBECONFIG, in-cluster, ~/.kube/config)");
  app.add_option("--context", context, "kubeconfig context (default: current-context)");
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error");
  app.add_option("--log-format", log_format, "text or json (one object per line)");
  app.add_option("--watch-namespace", options.watch_namespace, "only this namespace (default: all)");
  app.add_option("--workers", options.workers, "reconcile workers per controller")->check(CLI::Range(1, 64));
  app.add_flag("--leader-elect,!--no-leader-elect", options.leader_elect, "elect a leader on a Lease (default on)");
  app.add_option("--leader-election-namespace", options.lease_namespace, "namespace of the Lease ($POD_NAMESPACE)");
  app.add_option("--leader-election-id", options.lease_name, "name of the Lease");
  app.add_option("--leader-elect-lease-duration", lease_duration, "how long a Lease not renewed stays held");
  app.add_option("--leader-elect-renew-deadline", renew_deadline, "the leader gives up when it cannot renew for this long");
  app.add_option("--leader-elect-retry-period", retry_period, "how often the Lease is renewed or tried");
  app.add_option("--metrics-bind-address", metrics_address, "host:port of /metrics, 0 = off");
  app.add_option("--health-probe-bind-address", probe_address, "host:port of /healthz and /readyz, 0 = off");
  app.add_option("--lag-poll-interval", lag_poll, "how often a catching-up version's lag is measured");
  app.add_option("--stall-window", stall_window, "lag without a new low this long: Stalled");
  app.add_option("--retry-interval", retry_interval, "re-check interval for conditions outside our control");
  app.add_option("--kafka-timeout", kafka_timeout, "bound of every Kafka admin call");
  app.add_option("--secret-recheck-interval", secret_recheck,
                 "how often a Pipeline's spec.kafka.secretRef is read again (a rotated password)");
  CLI11_PARSE(app, argc, argv);

  try {
    kappa::setup_logging(log_level, log_format);
    // From the first line logged on, a signal asks for a clean stop.
    std::signal(SIGTERM, on_signal);
    std::signal(SIGINT, on_signal);
    options.controller.lag_poll_interval = duration_flag("--lag-poll-interval", lag_poll);
    options.controller.stall_window = duration_flag("--stall-window", stall_window);
    options.controller.retry_interval = duration_flag("--retry-interval", retry_interval);
    options.kafka_timeout = duration_flag("--kafka-timeout", kafka_timeout);
    options.controller.secret_recheck_interval = duration_flag("--secret-recheck-interval", secret_recheck);
    options.lease_duration = seconds_flag("--leader-elect-lease-duration", lease_duration);
    options.renew_deadline = seconds_flag("--leader-elect-renew-deadline", renew_deadline);
    options.retry_period = seconds_flag("--leader-elect-retry-period", retry_period);
    if (!(options.lease_duration > options.renew_deadline && options.renew_deadline > options.retry_period)) {
      throw CLI::ValidationError("--leader-elect-*", "need lease duration > renew deadline > retry period");
    }
    options.identity = kappa::kube::default_leader_identity();
    auto config = kappa::kube::load_client_config(
        kubeconfig, context.empty() ? std::nullopt : std::optional<std::string>(context));
    // Each replica shows up under its own name in the apiserver's audit log.
    config.user_agent = "kappa-operator/" + options.identity;
    // Requests must end well inside the Lease's renew deadline.
    kappa::kube::RestClient rest(config, std::min<std::chrono::milliseconds>(std::chrono::seconds(5), options.renew_deadline / 2));
    spdlog::info("kappa-operator {} starting against {} ({}); watching {}", options.identity, config.server,
                 config.source, options.watch_namespace.empty() ? "all namespaces" : options.watch_namespace);

    auto metrics = std::make_shared<kappa::operator_metrics::OperatorMetrics>();
    kappa::kube::set_runtime_metrics(metrics);
    options.metrics = metrics;
    kappa::operator_cmd::Manager manager(rest, options);
    kappa::operator_cmd::ProbeServers probes(probe_address, metrics_address, manager, *metrics);
    manager.start();
    kappa::operator_cmd::MemoryReturner memory(std::chrono::seconds(30));
    while (!g_stop && !manager.lost_leadership()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      memory.tick();
    }
    if (manager.lost_leadership()) {
      // As controller-runtime does: exit at once. Writes still in flight are
      // cut by the lease term's deadline; nothing is worth waiting for.
      spdlog::error("shutting down (leadership lost)");
      spdlog::default_logger()->flush();
      std::_Exit(1);
    }
    spdlog::info("shutting down (signal)");
    manager.stop();
    spdlog::default_logger()->flush();
    // cpprestsdk's static teardown can hang at exit; everything is stopped.
    std::_Exit(0);
  } catch (const CLI::Error& e) {
    return app.exit(e);
  } catch (const std::exception& e) {
    spdlog::error("{}", e.what());
    return 1;
  }
}
