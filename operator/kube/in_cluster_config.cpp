#include "kube/in_cluster_config.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "kube/kubeconfig_loader.h"

namespace kappa::kube {
namespace {

namespace fs = std::filesystem;

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

std::string read_required(const fs::path& path, const std::string& what) {
  std::ifstream in(path);
  if (!in) throw ConfigError("in-cluster config: cannot read " + what + " at " + path.string());
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

}  // namespace

ClientConfig load_in_cluster_config(const std::string& service_account_dir) {
  const std::string host = env("KUBERNETES_SERVICE_HOST");
  const std::string port = env("KUBERNETES_SERVICE_PORT");
  if (host.empty() || port.empty()) {
    throw ConfigError("in-cluster config: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be set");
  }
  const fs::path dir(service_account_dir);
  ClientConfig config;
  // An IPv6 host needs brackets in a URL.
  config.server = "https://" + (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + port;
  config.ca_pem = read_required(dir / "ca.crt", "the service-account CA");
  read_required(dir / "token", "the service-account token");  // fail now, not on first request
  config.bearer_token_file = (dir / "token").string();
  if (fs::exists(dir / "namespace")) {
    std::string ns = read_required(dir / "namespace", "the namespace");
    while (!ns.empty() && (ns.back() == '\n' || ns.back() == ' ')) ns.pop_back();
    if (!ns.empty()) config.default_namespace = ns;
  }
  config.source = "in-cluster service account (" + service_account_dir + ")";
  return config;
}

ClientConfig load_client_config(const std::string& kubeconfig_flag, const std::optional<std::string>& context) {
  if (!kubeconfig_flag.empty()) return load_kubeconfig(kubeconfig_flag, context);
  if (const std::string from_env = env("KUBECONFIG"); !from_env.empty()) {
    // Several files may be listed; like kubectl, the first one that exists wins
    // (full merging of several files is not supported).
    std::stringstream paths(from_env);
    std::string path;
    while (std::getline(paths, path, ':')) {
      if (!path.empty() && fs::exists(path)) return load_kubeconfig(path, context);
    }
    throw ConfigError("KUBECONFIG=" + from_env + ": none of these files exists");
  }
  if (!env("KUBERNETES_SERVICE_HOST").empty()) return load_in_cluster_config();
  const std::string home = env("HOME");
  return load_kubeconfig(home.empty() ? std::string() : home + "/.kube/config", context);
}

}  // namespace kappa::kube
