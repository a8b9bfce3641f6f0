#pragma once
#include <stdexcept>
#include <string>

namespace kappa::kube {

// Everything needed to talk to one API server as one identity.
struct ClientConfig {
  std::string server;                 // https://host:port, no trailing slash
  std::string ca_pem;                 // empty: the system's trust store
  std::string client_cert_pem;        // client-certificate auth, with client_key_pem
  std::string client_key_pem;
  std::string bearer_token;           // token auth (literal)
  std::string bearer_token_file;      // token auth, re-read when it rotates
  bool insecure_skip_tls_verify = false;
  std::string tls_server_name;        // overrides the name checked in the cert
  std::string default_namespace = "default";
  std::string source;                 // where it came from, for messages
  std::string user_agent = "kappa-operator";  // sent with every request (audit logs show it)
};

// A kubeconfig or in-cluster setting that cannot be used. The message names
// the file and the field at fault.
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace kappa::kube
