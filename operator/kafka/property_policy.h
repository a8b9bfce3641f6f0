#pragma once
#include <map>
#include <stdexcept>
#include <string>

namespace kappa::kafka {

// A Kafka client property from a Pipeline's Secret that no tenant may set.
// The message names the property and why, never its value.
class PropertyRefused : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// What a Pipeline's spec.kafka.secretRef may carry. Its properties configure
// the operator's own admin client and every processor pod, so a tenant may
// only say how to authenticate (SASL PLAIN or SCRAM, user and password), how
// to encrypt (TLS with certificates given as PEM text) and how to tune the
// client. Anything that names a file, a program, a library or a URL, turns
// on debug output, or changes what the operator and the processor rely on
// (group, transactions, bootstrap servers) is refused: librdkafka runs
// `sasl.kerberos.kinit.cmd` through /bin/sh inside rd_kafka_new, loads
// `plugin.library.paths`, reads any `*.location` file of the pod it runs in.
// Throws PropertyRefused for the first property (by name) not allowed.
void check_tenant_properties(const std::map<std::string, std::string>& properties);

}  // namespace kappa::kafka
