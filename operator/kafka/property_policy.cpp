#include "kafka/property_policy.h"

#include <algorithm>
#include <cctype>
#include <set>
#include <vector>

namespace kappa::kafka {
namespace {

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Allowed properties; those with a value list accept only those values
// (compared case-insensitively).
const std::map<std::string, std::set<std::string>>& allowed() {
  static const std::map<std::string, std::set<std::string>> table = {
      {"security.protocol", {"plaintext", "ssl", "sasl_plaintext", "sasl_ssl"}},
      {"sasl.mechanism", {"plain", "scram-sha-256", "scram-sha-512"}},
      {"sasl.mechanisms", {"plain", "scram-sha-256", "scram-sha-512"}},
      {"sasl.username", {}},
      {"sasl.password", {}},
      {"ssl.ca.pem", {}},
      {"ssl.certificate.pem", {}},
      {"ssl.key.pem", {}},
      {"ssl.key.password", {}},
      {"ssl.endpoint.identification.algorithm", {"https", "none"}},
      // Tuning.
      {"client.id", {}},
      {"client.rack", {}},
      {"broker.address.family", {"any", "v4", "v6"}},
      {"socket.timeout.ms", {}},
      {"socket.keepalive.enable", {"true", "false"}},
      {"socket.connection.setup.timeout.ms", {}},
      {"connections.max.idle.ms", {}},
      {"metadata.max.age.ms", {}},
      {"topic.metadata.refresh.interval.ms", {}},
      {"reconnect.backoff.ms", {}},
      {"reconnect.backoff.max.ms", {}},
      {"retry.backoff.ms", {}},
      {"message.max.bytes", {}},
      {"receive.message.max.bytes", {}},
      {"fetch.max.bytes", {}},
      {"fetch.min.bytes", {}},
      {"fetch.wait.max.ms", {}},
      {"max.partition.fetch.bytes", {}},
      {"session.timeout.ms", {}},
      {"heartbeat.interval.ms", {}},
      {"max.poll.interval.ms", {}},
      {"compression.type", {"none", "gzip", "snappy", "lz4", "zstd"}},
      {"linger.ms", {}},
      {"batch.num.messages", {}},
      {"batch.size", {}},
      {"request.timeout.ms", {}},
  };
  return table;
}

// Why a property outside the table is refused, for the ones people try.
std::string why_refused(const std::string& name) {
  if (name == "sasl.kerberos.kinit.cmd") return "it is a shell command the client runs";
  if (name.rfind("sasl.kerberos.", 0) == 0) return "Kerberos (GSSAPI) is not supported: it runs kinit";
  if (name == "plugin.library.paths") return "it loads a shared library into the client";
  if (name.rfind("ssl.engine.", 0) == 0) return "it loads an OpenSSL engine into the client";
  if (ends_with(name, ".location") || ends_with(name, ".file") || ends_with(name, ".dir")) {
    return "it names a file of the operator's or processor's filesystem; give certificates as PEM text "
           "(ssl.ca.pem, ssl.certificate.pem, ssl.key.pem)";
  }
  if (name.rfind("sasl.oauthbearer.", 0) == 0) return "OAUTHBEARER is not supported: it fetches a URL or runs a callback";
  if (name == "debug") return "debug output floods the logs and can print credentials";
  if (name == "enable.ssl.certificate.verification") return "certificate verification cannot be turned off";
  if (name == "bootstrap.servers" || name == "metadata.broker.list") return "set it in spec.kafka.bootstrapServers";
  if (name == "group.id" || name == "transactional.id" || name == "enable.auto.commit" || name == "isolation.level" ||
      name == "enable.idempotence" || name == "auto.offset.reset") {
    return "the operator and the processor set it; changing it would break exactly-once and lag";
  }
  return "it is not one of the client properties a Pipeline may set";
}

}  // namespace

void check_tenant_properties(const std::map<std::string, std::string>& properties) {
  for (const auto& [name, value] : properties) {
    const auto it = allowed().find(name);
    if (it == allowed().end()) {
      throw PropertyRefused("Kafka client property '" + name + "' is not allowed: " + why_refused(name));
    }
    if (!it->second.empty() && !it->second.count(lower(value))) {
      std::string accepted;
      for (const auto& v : it->second) accepted += (accepted.empty() ? "" : ", ") + v;
      throw PropertyRefused("Kafka client property '" + name + "' has a value that is not allowed (allowed: " +
                            accepted + ")");
    }
  }
}

}  // namespace kappa::kafka
