package dev.kappa.examples.userstats;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The contract's Kafka client properties (KAFKA_PROP_* variables, one per key of the Pipeline's
 * Kafka Secret) turned into Java client properties. The Secret's keys are librdkafka property
 * names, as the operator's own (librdkafka) admin client reads them; the Java client spells many
 * of them differently, or has no such property. What is translated is listed in
 * {@link #translate}; anything else is refused (ConfigError, exit 2): applying a property
 * half-way would connect in a way the operator does not.
 */
final class KafkaClientProperties {
  private KafkaClientProperties() {}

  static final String ENV_PREFIX = "KAFKA_PROP_";

  /**
   * A variable name (prefix removed) back to the property name, as the reference processor does
   * (common/src/kafka_properties.cpp): lower-cased, "__" is a literal '_', any other '_' a '.'.
   */
  static String propertyName(String suffix) {
    final StringBuilder name = new StringBuilder(suffix.length());
    for (int i = 0; i < suffix.length(); i++) {
      final char c = suffix.charAt(i);
      if (c == '_') {
        if (i + 1 < suffix.length() && suffix.charAt(i + 1) == '_') {
          name.append('_');
          i++;
        } else {
          name.append('.');
        }
      } else {
        name.append(Character.toLowerCase(c));
      }
    }
    return name.toString();
  }

  /** Every KAFKA_PROP_* variable of {@code env} as librdkafka property -> value. */
  static Map<String, String> fromEnvironment(Map<String, String> env) {
    final Map<String, String> properties = new TreeMap<>();
    env.forEach((name, value) -> {
      if (name.startsWith(ENV_PREFIX) && name.length() > ENV_PREFIX.length()) {
        properties.put(propertyName(name.substring(ENV_PREFIX.length())), value);
      }
    });
    return properties;
  }

  /** The variable that carries {@code property} (for messages). */
  static String variableOf(String property) {
    return ENV_PREFIX + property.replace("_", "__").replace('.', '_').toUpperCase(Locale.ROOT);
  }

  /** Same name and meaning in librdkafka and the Java clients: passed on as they are. */
  private static final Set<String> SAME_NAME = Set.of(
      "client.id", "client.rack",
      "session.timeout.ms", "heartbeat.interval.ms", "max.poll.interval.ms",
      "metadata.max.age.ms", "connections.max.idle.ms", "socket.connection.setup.timeout.ms",
      "reconnect.backoff.ms", "reconnect.backoff.max.ms", "retry.backoff.ms", "retry.backoff.max.ms",
      "fetch.min.bytes", "fetch.max.bytes", "max.partition.fetch.bytes",
      "linger.ms", "batch.size", "compression.type", "transaction.timeout.ms",
      "ssl.key.password");

  /** librdkafka name -> the Java client's name for the same setting. */
  private static final Map<String, String> RENAMED = Map.of(
      "fetch.wait.max.ms", "fetch.max.wait.ms",
      "queue.buffering.max.ms", "linger.ms",
      "compression.codec", "compression.type");

  /** Settings this processor makes itself (the contract's or exactly-once's). */
  private static final Map<String, String> OWNED = Map.ofEntries(
      Map.entry("bootstrap.servers", "KAFKA_BOOTSTRAP_SERVERS gives the brokers"),
      Map.entry("metadata.broker.list", "KAFKA_BOOTSTRAP_SERVERS gives the brokers"),
      Map.entry("group.id", "the group is KAPPA_CONSUMER_GROUP (the Streams application.id)"),
      Map.entry("group.instance.id", "static membership is not supported by this example"),
      Map.entry("auto.offset.reset", "KAPPA_START_FROM decides where a new group starts"),
      Map.entry("enable.auto.commit", "Kafka Streams commits in its exactly-once transactions"),
      Map.entry("enable.auto.offset.store", "Kafka Streams commits in its exactly-once transactions"),
      Map.entry("isolation.level", "exactly_once_v2 reads read_committed"),
      Map.entry("transactional.id", "Kafka Streams names its transactional producers"),
      Map.entry("enable.idempotence", "exactly_once_v2 needs the idempotent producer"),
      Map.entry("acks", "exactly_once_v2 needs acks=all"),
      Map.entry("request.required.acks", "exactly_once_v2 needs acks=all"));

  /**
   * The Java client properties for {@code librdkafka} (property -> value). Throws ConfigError,
   * naming the variable, for what it cannot honour. Values are never put in a message.
   */
  static Map<String, String> translate(Map<String, String> librdkafka) throws ConfigError {
    final Map<String, String> java = new TreeMap<>();
    String mechanism = null;
    String username = null;
    String password = null;
    String caLocation = null;
    String caPem = null;
    String certLocation = null;
    String certPem = null;
    String keyLocation = null;
    String keyPem = null;
    for (final Map.Entry<String, String> e : librdkafka.entrySet()) {
      final String name = e.getKey();
      final String value = e.getValue();
      final String variable = variableOf(name);
      if (SAME_NAME.contains(name)) {
        java.put(name, value);
        continue;
      }
      if (RENAMED.containsKey(name)) {
        java.put(RENAMED.get(name), value);
        continue;
      }
      if (OWNED.containsKey(name)) {
        throw new ConfigError(variable, "'" + name + "' cannot be set: " + OWNED.get(name));
      }
      switch (name) {
        case "security.protocol": {
          final String protocol = value.trim().toUpperCase(Locale.ROOT);
          if (!Set.of("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL").contains(protocol)) {
            throw new ConfigError(variable, "security.protocol must be plaintext, ssl, sasl_plaintext or sasl_ssl");
          }
          java.put("security.protocol", protocol);
          break;
        }
        case "sasl.mechanism":
        case "sasl.mechanisms": {
          final String m = value.trim().toUpperCase(Locale.ROOT);
          if (!Set.of("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512").contains(m)) {
            throw new ConfigError(variable, "SASL mechanism '" + value.trim()
                + "' is not supported by this example (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 are)");
          }
          if (mechanism != null && !mechanism.equals(m)) {
            throw new ConfigError(variable, "sasl.mechanism and sasl.mechanisms disagree");
          }
          mechanism = m;
          break;
        }
        case "sasl.username": username = value; break;
        case "sasl.password": password = value; break;
        case "ssl.ca.location": caLocation = value; break;
        case "ssl.ca.pem": caPem = value; break;
        case "ssl.certificate.location": certLocation = value; break;
        case "ssl.certificate.pem": certPem = value; break;
        case "ssl.key.location": keyLocation = value; break;
        case "ssl.key.pem": keyPem = value; break;
        case "ssl.endpoint.identification.algorithm": {
          final String algorithm = value.trim().toLowerCase(Locale.ROOT);
          if (algorithm.equals("none")) {
            java.put("ssl.endpoint.identification.algorithm", "");
          } else if (algorithm.equals("https")) {
            java.put("ssl.endpoint.identification.algorithm", "https");
          } else {
            throw new ConfigError(variable, "ssl.endpoint.identification.algorithm must be none or https");
          }
          break;
        }
        case "enable.ssl.certificate.verification": {
          final String v = value.trim().toLowerCase(Locale.ROOT);
          if (v.equals("true")) break; // the Java client always verifies
          throw new ConfigError(variable, "turning certificate verification off is not supported by the Java client"
              + " (give the CA with ssl.ca.location or ssl.ca.pem instead)");
        }
        default:
          throw new ConfigError(variable, "librdkafka property '" + name
              + "' has no translation to the Java client in this example; remove it or extend"
              + " KafkaClientProperties.translate");
      }
    }

    // SASL: librdkafka's username and password become the Java client's JAAS configuration.
    final String protocol = java.getOrDefault("security.protocol", "PLAINTEXT");
    final boolean sasl = protocol.startsWith("SASL_");
    if (username != null || password != null) {
      if (username == null || password == null) {
        throw new ConfigError(variableOf(username == null ? "sasl.username" : "sasl.password"),
            "sasl.username and sasl.password go together");
      }
      if (!sasl) {
        throw new ConfigError(variableOf("security.protocol"),
            "sasl.username is set but security.protocol is " + protocol.toLowerCase(Locale.ROOT));
      }
    }
    if (sasl) {
      if (mechanism == null) {
        // librdkafka's default mechanism is GSSAPI (Kerberos), which this example does not do.
        throw new ConfigError(variableOf("sasl.mechanism"),
            "required with security.protocol " + protocol.toLowerCase(Locale.ROOT)
                + " (PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512)");
      }
      if (username == null) {
        throw new ConfigError(variableOf("sasl.username"), "required with SASL mechanism " + mechanism);
      }
      java.put("sasl.mechanism", mechanism);
      java.put("sasl.jaas.config", jaasConfig(mechanism, username, password));
    } else if (mechanism != null) {
      throw new ConfigError(variableOf("sasl.mechanism"),
          "set but security.protocol is " + protocol.toLowerCase(Locale.ROOT));
    }

    // TLS: PEM trust and key material, as the Java client's PEM "stores" (KIP-651).
    if (caLocation != null && caPem != null) {
      throw new ConfigError(variableOf("ssl.ca.pem"), "give ssl.ca.location or ssl.ca.pem, not both");
    }
    if (caLocation != null) {
      final Path path = Path.of(caLocation.trim());
      if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
        throw new ConfigError(variableOf("ssl.ca.location"),
            "must be a readable PEM file (a directory or 'probe' is not supported by the Java client)");
      }
      java.put("ssl.truststore.type", "PEM");
      java.put("ssl.truststore.location", path.toString());
    } else if (caPem != null) {
      java.put("ssl.truststore.type", "PEM");
      java.put("ssl.truststore.certificates", caPem);
    }
    if (certLocation != null && certPem != null) {
      throw new ConfigError(variableOf("ssl.certificate.pem"),
          "give ssl.certificate.location or ssl.certificate.pem, not both");
    }
    if (keyLocation != null && keyPem != null) {
      throw new ConfigError(variableOf("ssl.key.pem"), "give ssl.key.location or ssl.key.pem, not both");
    }
    final String chain = certLocation != null ? read("ssl.certificate.location", certLocation) : certPem;
    final String key = keyLocation != null ? read("ssl.key.location", keyLocation) : keyPem;
    if ((chain == null) != (key == null)) {
      throw new ConfigError(variableOf(chain == null ? "ssl.certificate.location" : "ssl.key.location"),
          "a client certificate and its key go together");
    }
    if (chain != null) {
      if (!key.contains("-----BEGIN PRIVATE KEY-----") && !key.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----")) {
        throw new ConfigError(variableOf(keyLocation != null ? "ssl.key.location" : "ssl.key.pem"),
            "the Java client reads PKCS#8 keys only (BEGIN PRIVATE KEY or BEGIN ENCRYPTED PRIVATE KEY);"
                + " convert with: openssl pkcs8 -topk8");
      }
      if (key.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----") && !java.containsKey("ssl.key.password")) {
        throw new ConfigError(variableOf("ssl.key.password"), "required for an encrypted private key");
      }
      java.put("ssl.keystore.type", "PEM");
      java.put("ssl.keystore.certificate.chain", chain);
      java.put("ssl.keystore.key", key);
    }
    return java;
  }

  private static String read(String property, String location) throws ConfigError {
    try {
      return Files.readString(Path.of(location.trim()), StandardCharsets.UTF_8);
    } catch (IOException | RuntimeException e) {
      throw new ConfigError(variableOf(property), "cannot read the file it names: " + e.getClass().getSimpleName());
    }
  }

  /**
   * The JAAS line for PLAIN or SCRAM. Kafka parses it with a StreamTokenizer: inside double quotes
   * a backslash escapes, and a raw line break would end the value, so those are escaped.
   */
  static String jaasConfig(String mechanism, String username, String password) {
    final String module = mechanism.equals("PLAIN")
        ? "org.apache.kafka.common.security.plain.PlainLoginModule"
        : "org.apache.kafka.common.security.scram.ScramLoginModule";
    return module + " required username=\"" + jaasQuote(username) + "\" password=\"" + jaasQuote(password) + "\";";
  }

  private static String jaasQuote(String value) {
    final StringBuilder out = new StringBuilder(value.length() + 8);
    for (int i = 0; i < value.length(); i++) {
      final char c = value.charAt(i);
      switch (c) {
        case '\\': out.append("\\\\"); break;
        case '"': out.append("\\\""); break;
        case '\n': out.append("\\n"); break;
        case '\r': out.append("\\r"); break;
        default: out.append(c);
      }
    }
    return out.toString();
  }
}
