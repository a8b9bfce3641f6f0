#include "cmd/probe_server.h"

#include <stdexcept>

namespace kappa::operator_cmd {

namespace {

// "host:port", "[v6-address]:port" or ":port" (all interfaces).
std::unique_ptr<http::Server> listen(const std::string& address, http::Handler handler) {
  if (address.empty() || address == "0") return nullptr;
  const auto colon = address.rfind(':');
  if (colon == std::string::npos) throw std::invalid_argument("bind address must be host:port or :port: " + address);
  std::string host = colon == 0 ? "0.0.0.0" : address.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  else if (host.find(':') != std::string::npos) {
    throw std::invalid_argument("an IPv6 bind address goes in brackets, as [::1]:8081: " + address);
  }
  return std::make_unique<http::Server>(host, std::stoi(address.substr(colon + 1)), std::move(handler));
}

http::Response text(int status, std::string body) { return {status, "text/plain; charset=utf-8", std::move(body), {}}; }

}  // namespace

ProbeServers::ProbeServers(const std::string& probe_address, const std::string& metrics_address,
                           const Manager& manager, const operator_metrics::OperatorMetrics& metrics) {
  probes_ = listen(probe_address, [&manager](const http::Request& request) {
    if (request.method != "GET") return http::json_error(405, "only GET");
    if (request.path == "/healthz") return text(200, "ok\n");
    if (request.path == "/readyz") {
      return manager.ready() ? text(200, "ok\n") : text(503, "informer caches not synced\n");
    }
    return http::json_error(404, "no such path; try /healthz or /readyz");
  });
  metrics_ = listen(metrics_address, [&manager, &metrics](const http::Request& request) {
    if (request.method != "GET" || request.path != "/metrics") return http::json_error(404, "try GET /metrics");
    return http::Response{200, "text/plain; version=0.0.4", metrics.render(manager.leading()), {}};
  });
}

}  // namespace kappa::operator_cmd
