#pragma once
#include <memory>
#include <string>

#include "cmd/manager.h"
#include "kappa/common/http_server.h"
#include "metrics/operator_metrics.h"

namespace kappa::operator_cmd {

// /healthz (the process runs), /readyz (caches synced) and /metrics, on the
// addresses the flags give ("host:port", "[::1]:port" for IPv6, ":port"
// for all interfaces, "0" for off).
class ProbeServers {
 public:
  ProbeServers(const std::string& probe_address, const std::string& metrics_address, const Manager& manager,
               const operator_metrics::OperatorMetrics& metrics);

 private:
  std::unique_ptr<http::Server> probes_;
  std::unique_ptr<http::Server> metrics_;
};

}  // namespace kappa::operator_cmd
