package dev.kappa.examples.userstats;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Map;

/** The processor contract's environment (docs/processor-contract.md, "Environment"). */
final class Settings {
  final String bootstrapServers;
  final String inputTopic;
  final String consumerGroup;
  final String outputTopic;
  /** KAPPA_START_FROM; startTimestampMs only for TIMESTAMP (else null). */
  final StartFrom startFrom;
  final Long startTimestampMs;
  final int servingPort;
  final String bindAddress;
  final int replicationFactor;
  final String pipeline;
  final String version;
  /** Java client properties from KAFKA_PROP_* (secret values: never log them). */
  final Map<String, String> kafkaProperties;

  enum StartFrom { EARLIEST, LATEST, TIMESTAMP }

  /**
   * The view this example computes: KAPPA_CONFIG must be unset, {} or this (in any member order).
   * It is the default view of examples/user-stats.yaml.
   */
  static final String VIEW =
      "{\"key\":\"user_id\",\"aggregates\":{"
          + "\"total_events\":{\"op\":\"count\"},"
          + "\"total_revenue\":{\"op\":\"sum\",\"field\":\"revenue\"},"
          + "\"total_sessions\":{\"op\":\"count_distinct\",\"field\":\"session_id\"}}}";

  private Settings(Map<String, String> env) throws ConfigError {
    bootstrapServers = required(env, "KAFKA_BOOTSTRAP_SERVERS");
    inputTopic = required(env, "KAPPA_INPUT_TOPIC");
    consumerGroup = required(env, "KAPPA_CONSUMER_GROUP");
    outputTopic = required(env, "KAPPA_OUTPUT_TOPIC");
    if (!consumerGroup.matches("[a-zA-Z0-9._-]+")) {
      throw new ConfigError("KAPPA_CONSUMER_GROUP",
          "'" + consumerGroup + "' cannot be a Kafka Streams application.id (letters, digits, '.', '_', '-' only)");
    }
    if (inputTopic.equals(outputTopic)) {
      throw new ConfigError("KAPPA_OUTPUT_TOPIC", "must differ from KAPPA_INPUT_TOPIC");
    }

    final String start = env.getOrDefault("KAPPA_START_FROM", "earliest").trim();
    if (start.equals("earliest") || start.isEmpty()) {
      startFrom = StartFrom.EARLIEST;
      startTimestampMs = null;
    } else if (start.equals("latest")) {
      startFrom = StartFrom.LATEST;
      startTimestampMs = null;
    } else if (start.matches("[0-9]{1,18}")) {
      startFrom = StartFrom.TIMESTAMP;
      startTimestampMs = Long.parseLong(start);
    } else {
      throw new ConfigError("KAPPA_START_FROM", "'" + start + "' is not earliest, latest or epoch milliseconds");
    }

    servingPort = integer(env, "KAPPA_SERVING_PORT", 8080, 1, 65535);
    bindAddress = env.getOrDefault("KAPPA_BIND_ADDRESS", "0.0.0.0").trim();
    if (bindAddress.isEmpty()) throw new ConfigError("KAPPA_BIND_ADDRESS", "empty");
    replicationFactor = integer(env, "KAPPA_STATE_REPLICATION_FACTOR", -1, -1, Short.MAX_VALUE);
    if (replicationFactor == 0) throw new ConfigError("KAPPA_STATE_REPLICATION_FACTOR", "must be -1 or at least 1");
    pipeline = env.getOrDefault("KAPPA_PIPELINE", "");
    version = env.getOrDefault("KAPPA_VERSION", "");
    checkView(env.get("KAPPA_CONFIG"));
    kafkaProperties = KafkaClientProperties.translate(KafkaClientProperties.fromEnvironment(env));
  }

  static Settings fromEnvironment(Map<String, String> env) throws ConfigError {
    return new Settings(env);
  }

  /** The address other replicas reach this one at, or null when bound to every address. */
  String advertisedHost() {
    if (bindAddress.equals("0.0.0.0") || bindAddress.equals("::") || bindAddress.equals("[::]")) return null;
    return bindAddress;
  }

  private static String required(Map<String, String> env, String name) throws ConfigError {
    final String value = env.get(name);
    if (value == null || value.isBlank()) throw new ConfigError(name, "required");
    return value.trim();
  }

  private static int integer(Map<String, String> env, String name, int fallback, int min, int max)
      throws ConfigError {
    final String value = env.get(name);
    if (value == null || value.isBlank()) return fallback;
    try {
      final int parsed = Integer.parseInt(value.trim());
      if (parsed >= min && parsed <= max) return parsed;
    } catch (NumberFormatException e) {
      // below
    }
    throw new ConfigError(name, "'" + value + "' is not an integer from " + min + " to " + max);
  }

  private static void checkView(String config) throws ConfigError {
    if (config == null || config.isBlank()) return;
    final ObjectMapper json = new ObjectMapper();
    final JsonNode given;
    try {
      given = json.readTree(config);
    } catch (JsonProcessingException e) {
      throw new ConfigError("KAPPA_CONFIG", "not valid JSON");
    }
    try {
      if (given.isObject() && given.isEmpty() || given.equals(json.readTree(VIEW))) return;
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    throw new ConfigError("KAPPA_CONFIG", "this example computes one view only, " + VIEW
        + " (or give {}); it cannot compute another");
  }
}
