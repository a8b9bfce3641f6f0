// kappa-operator: the controller manager binary. For now it loads its
// configuration and checks it can reach the API server; the reconcilers are
// wired in here as they land.
#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>


#include "kappa/common/logging.h"
#include "kube/in_cluster_config.h"
#include "kube/rest_client.h"

int main(int argc, char** argv) {
  CLI::App app{"kappa-operator: versioned Kappa-architecture reprocessing on Kubernetes"};
  std::string kubeconfig;
  std::string context;
  std::string log_level = "info";
  app.add_option("--kubeconfig", kubeconfig, "kubeconfig file (default: $KUBECONFIG, in-cluster, ~/.kube/config)");
  app.add_option("--context", context, "kubeconfig context (default: current-context)");
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error");
  CLI11_PARSE(app, argc, argv);

  try {
    kappa::setup_logging(log_level);
    const auto config = kappa::kube::load_client_config(
        kubeconfig, context.empty() ? std::nullopt : std::optional<std::string>(context));
    kappa::kube::RestClient client(config);
    const auto version = client.send("GET", "/version");
    if (!version.ok()) {
      spdlog::error("API server {} answered GET /version with HTTP {}: {}", config.server,
                    version.status, version.body);
      return 1;
    }
    spdlog::info("connected to {} as configured by {}: Kubernetes {}", config.server,
                 config.source, version.json().value("gitVersion", "?"));
    spdlog::warn("no controllers are wired in yet; exiting");
    return 0;
  } catch (const std::exception& e) {
    spdlog::error("{}", e.what());
    return 1;
  }
}
