#pragma once
// Extra librdkafka client properties (SASL, TLS, tuning) handed to a binary
// from outside: environment variables, a properties file, or `name=value`
// flags. The operator puts the Pipeline's Kafka secret in one of these forms.
#include <string>
#include <utility>
#include <vector>

namespace kappa::kafka {

using Properties = std::vector<std::pair<std::string, std::string>>;

// The default prefix of property environment variables.
inline constexpr const char* kPropertyEnvPrefix = "KAFKA_PROP_";

// Maps an environment variable name (prefix already removed) to a librdkafka
// property name: lower-cased, `_` becomes `.`, and `__` a literal `_`.
// SASL_MECHANISM -> sasl.mechanism; SSL_CA_LOCATION -> ssl.ca.location.
std::string property_name_from_env(const std::string& suffix);

// Every `<prefix><NAME>=value` in `environment` (the `environ` array form,
// null-terminated) as (property, value), sorted by property name.
Properties properties_from_env(char** environment, const std::string& prefix = kPropertyEnvPrefix);

// One `name=value` assignment, as given to a `--kafka-prop` flag. Throws
// std::invalid_argument naming the text (without the value) when there is
// no `=` or the name is empty.
std::pair<std::string, std::string> parse_property_assignment(const std::string& text);

// A Java-style properties file: `name=value` lines, blank lines and lines
// starting with `#` or `!` ignored, spaces around the name and value
// trimmed. Throws std::invalid_argument naming the file and line.
Properties properties_from_file(const std::string& path);

}  // namespace kappa::kafka
