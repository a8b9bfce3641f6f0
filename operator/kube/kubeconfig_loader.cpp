#include "kube/kubeconfig_loader.h"

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "kappa/common/base64.h"

namespace kappa::kube {
namespace {

namespace fs = std::filesystem;

[[noreturn]] void fail(const std::string& file, const std::string& what) {
  throw ConfigError("kubeconfig " + file + ": " + what);
}

std::string read_file(const std::string& kubeconfig, const std::string& field,
                      const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(kubeconfig, field + ": cannot read file " + path.string());
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// Finds the entry named `name` in a list like `clusters:` and returns its
// `inner` map (e.g. the `cluster:` of that entry).
YAML::Node find_named(const YAML::Node& root, const std::string& file, const std::string& list,
                      const std::string& inner, const std::string& name) {
  const YAML::Node entries = root[list];
  if (entries && !entries.IsSequence()) fail(file, list + ": must be a list");
  if (entries) {
    for (std::size_t i = 0; i < entries.size(); ++i) {
      const YAML::Node entry = entries[i];
      if (entry["name"] && entry["name"].as<std::string>() == name) {
        const YAML::Node body = entry[inner];
        if (!body || !body.IsMap()) {
          fail(file, list + "[" + std::to_string(i) + "]." + inner + ": missing or not a map");
        }
        return body;
      }
    }
  }
  fail(file, list + ": no entry named '" + name + "'");
}

std::string scalar(const YAML::Node& map, const char* key) {
  const YAML::Node v = map[key];
  return v && v.IsScalar() ? v.as<std::string>() : std::string();
}

// A field given inline as base64 (`<key>-data`) or as a file path (`<key>`).
std::string data_or_file(const YAML::Node& map, const std::string& file, const std::string& prefix,
                         const std::string& key, const fs::path& base_dir) {
  const std::string data = scalar(map, (key + "-data").c_str());
  if (!data.empty()) {
    auto decoded = base64_decode(data);
    if (!decoded) fail(file, prefix + "." + key + "-data: not valid base64");
    return *decoded;
  }
  const std::string path = scalar(map, key.c_str());
  if (path.empty()) return {};
  const fs::path resolved = fs::path(path).is_absolute() ? fs::path(path) : base_dir / path;
  return read_file(file, prefix + "." + key, resolved);
}

void load_cluster(const YAML::Node& cluster, const std::string& file, const std::string& name,
                  const fs::path& base_dir, ClientConfig& out) {
  const std::string prefix = "clusters[" + name + "].cluster";
  out.server = scalar(cluster, "server");
  if (out.server.empty()) fail(file, prefix + ".server: missing");
  if (out.server.rfind("https://", 0) != 0 && out.server.rfind("http://", 0) != 0) {
    fail(file, prefix + ".server: '" + out.server + "' is not an http(s) URL");
  }
  while (!out.server.empty() && out.server.back() == '/') out.server.pop_back();
  out.ca_pem = data_or_file(cluster, file, prefix, "certificate-authority", base_dir);
  out.insecure_skip_tls_verify = scalar(cluster, "insecure-skip-tls-verify") == "true";
  out.tls_server_name = scalar(cluster, "tls-server-name");
}

void load_user(const YAML::Node& user, const std::string& file, const std::string& name,
               const fs::path& base_dir, ClientConfig& out) {
  const std::string prefix = "users[" + name + "].user";
  if (user["exec"]) {
    fail(file, prefix + ".exec: exec credential plugins are not supported; "
                        "use a token, a token file or a client certificate");
  }
  if (user["auth-provider"]) {
    fail(file, prefix + ".auth-provider: auth providers are not supported; "
                        "use a token, a token file or a client certificate");
  }
  out.bearer_token = scalar(user, "token");
  const std::string token_file = scalar(user, "tokenFile");
  if (!token_file.empty()) {
    const fs::path p = fs::path(token_file).is_absolute() ? fs::path(token_file) : base_dir / token_file;
    read_file(file, prefix + ".tokenFile", p);  // fail now if unreadable
    out.bearer_token_file = p.string();
  }
  out.client_cert_pem = data_or_file(user, file, prefix, "client-certificate", base_dir);
  out.client_key_pem = data_or_file(user, file, prefix, "client-key", base_dir);
  if (out.client_cert_pem.empty() != out.client_key_pem.empty()) {
    fail(file, prefix + ": client-certificate and client-key must be given together");
  }
}

}  // namespace

ClientConfig load_kubeconfig(const std::string& path, const std::optional<std::string>& context) {
  if (path.empty()) throw ConfigError("kubeconfig: no path given (set --kubeconfig or KUBECONFIG)");
  if (!fs::exists(path)) throw ConfigError("kubeconfig " + path + ": file does not exist");
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::Exception& e) {
    fail(path, "not valid YAML: " + std::string(e.what()));
  }
  if (!root.IsMap()) fail(path, "top level must be a map");

  try {
    std::string context_name = context.value_or(scalar(root, "current-context"));
    if (context_name.empty()) fail(path, "current-context: missing (or pass a context name)");
    const YAML::Node ctx = find_named(root, path, "contexts", "context", context_name);
    const std::string cluster_name = scalar(ctx, "cluster");
    const std::string user_name = scalar(ctx, "user");
    if (cluster_name.empty()) fail(path, "contexts[" + context_name + "].context.cluster: missing");

    const fs::path base_dir = fs::absolute(path).parent_path();
    ClientConfig out;
    out.source = path + " (context " + context_name + ")";
    load_cluster(find_named(root, path, "clusters", "cluster", cluster_name), path, cluster_name,
                 base_dir, out);
    if (!user_name.empty()) {
      load_user(find_named(root, path, "users", "user", user_name), path, user_name, base_dir, out);
    }
    const std::string ns = scalar(ctx, "namespace");
    if (!ns.empty()) out.default_namespace = ns;
    return out;
  } catch (const YAML::Exception& e) {
    fail(path, "unexpected structure: " + std::string(e.what()));
  }
}

}  // namespace kappa::kube
