package dev.kappa.examples.userstats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.kafka.common.config.types.Password;
import org.apache.kafka.common.security.JaasContext;
import org.junit.jupiter.api.Test;

class UserStatsTest {

  // --- numbers as nlohmann::json dump() writes them (format rules of to_chars.hpp) ---

  @Test
  void doublesAsNlohmannWritesThem() {
    assertEquals("0.0", JsonText.number(0.0));
    assertEquals("-0.0", JsonText.number(-0.0));
    assertEquals("1.0", JsonText.number(1.0));
    assertEquals("3.5", JsonText.number(3.5));
    assertEquals("-2.5", JsonText.number(-2.5));
    assertEquals("0.1", JsonText.number(0.1));
    assertEquals("0.30000000000000004", JsonText.number(0.1 + 0.2));
    assertEquals("0.0001", JsonText.number(0.0001));
    assertEquals("1e-05", JsonText.number(0.00001));
    assertEquals("1.5e-07", JsonText.number(1.5e-7));
    assertEquals("100000000000000.0", JsonText.number(1e14));
    assertEquals("123456789012345.0", JsonText.number(123456789012345.0));
    assertEquals("1e+15", JsonText.number(1e15));
    assertEquals("1.5e+16", JsonText.number(1.5e16));
    assertEquals("1.7976931348623157e+308", JsonText.number(Double.MAX_VALUE));
    assertEquals("5e-324", JsonText.number(Double.MIN_VALUE));
    assertEquals("2.2250738585072014e-308", JsonText.number(Double.MIN_NORMAL));
    assertEquals("1e+100", JsonText.number(1e100));
    assertEquals("null", JsonText.number(Double.POSITIVE_INFINITY));
    assertEquals("null", JsonText.number(Double.NaN));
  }

  @Test
  void everyDoubleReadsBackAsItself() {
    final SplittableRandom random = new SplittableRandom(42);
    for (int i = 0; i < 200_000; i++) {
      final double d = Double.longBitsToDouble(random.nextLong());
      if (!Double.isFinite(d)) continue;
      final String text = JsonText.number(d);
      assertEquals(d, Double.parseDouble(text), text);
      final String digits = text.replaceFirst("e.*", "").replaceAll("[^0-9]", "").replaceFirst("^0+", "");
      assertTrue(digits.length() <= 18, text);
    }
    for (int i = 0; i < 100_000; i++) { // sums of cents, the usual revenue
      final double d = random.nextInt(1_000_000) / 100.0 + random.nextInt(1000) / 100.0;
      assertEquals(d, Double.parseDouble(JsonText.number(d)));
    }
  }

  @Test
  void stringsAsNlohmannWritesThem() {
    assertEquals("\"a\\\"b\\\\c\\n\\t\\u0001\\u001f/\u00e9\u007f\"", JsonText.string("a\"b\\c\n\t\u0001\u001f/\u00e9\u007f"));
    assertEquals(JsonText.string("\u00e9\n").getBytes(StandardCharsets.UTF_8).length, JsonText.stringSize("\u00e9\n"));
    assertEquals(8, JsonText.stringSize("\u0001")); // "\u0001" is six bytes, plus quotes
  }

  // --- events: what the reference processor would take, and how ---

  private static UserEvent event(String json) throws UserEvent.BadRecord {
    return UserEvent.parse(json.getBytes(StandardCharsets.UTF_8));
  }

  private static UserEvent.BadReason bad(String json) {
    return assertThrows(UserEvent.BadRecord.class, () -> event(json)).reason;
  }

  private static UserEvent.BadReason bad(byte[] payload) {
    return assertThrows(UserEvent.BadRecord.class, () -> UserEvent.parse(payload)).reason;
  }

  @Test
  void goodEvents() throws Exception {
    UserEvent e = event("{\"user_id\":\"u-1\",\"revenue\":3.5,\"session_id\":\"s-2\",\"extra\":[1,{}]}");
    assertEquals("u-1", e.user);
    assertFalse(e.revenueIntegral);
    assertEquals(3.5, e.revenueReal);
    assertEquals("ss-2", e.session);
    e = event("\uFEFF {\"user_id\": 42, \"revenue\": 7, \"session_id\": 5.0}\n");
    assertEquals("42", e.user);
    assertTrue(e.revenueIntegral);
    assertEquals(7, e.revenueInteger);
    assertEquals("n5", e.session); // 5.0 and 5 are one session
    e = event("{\"user_id\":18446744073709551615,\"revenue\":18446744073709551615,\"session_id\":true}");
    assertEquals("18446744073709551615", e.user);
    assertFalse(e.revenueIntegral); // beyond int64: a double in the sum
    assertEquals(1.8446744073709552e19, e.revenueReal);
    assertEquals("btrue", e.session);
    assertEquals("n1e+300", event("{\"user_id\":\"u\",\"revenue\":0,\"session_id\":1e300}").session);
    assertEquals("n0.5", event("{\"user_id\":\"u\",\"revenue\":0,\"session_id\":0.5}").session);
    assertEquals("n0", event("{\"user_id\":\"u\",\"revenue\":0,\"session_id\":-0.0}").session);
    assertEquals("s5", event("{\"user_id\":\"u\",\"revenue\":0,\"session_id\":\"5\"}").session);
    assertEquals("b", event("{\"user_id\":\"a\",\"user_id\":\"b\",\"revenue\":1,\"session_id\":1}").user);
    assertEquals("0", event("{\"user_id\":-0,\"revenue\":1,\"session_id\":1}").user);
  }

  @Test
  void badEventsForTheReferenceReasons() {
    assertEquals(UserEvent.BadReason.MALFORMED_JSON, bad(new byte[0]));
    assertEquals(UserEvent.BadReason.MALFORMED_JSON, bad("{\"user_id\":\"u\""));
    assertEquals(UserEvent.BadReason.MALFORMED_JSON, bad("{\"user_id\":\"u\",\"revenue\":1,\"session_id\":1} x"));
    assertEquals(UserEvent.BadReason.MALFORMED_JSON, bad("{\"user_id\":\"\\ud800\",\"revenue\":1,\"session_id\":1}"));
    assertEquals(UserEvent.BadReason.MALFORMED_JSON, bad("{\"user_id\":01,\"revenue\":1,\"session_id\":1}"));
    assertEquals(UserEvent.BadReason.MALFORMED_JSON, bad("{'user_id':1}"));
    assertEquals(UserEvent.BadReason.MALFORMED_JSON,
        bad(new byte[] {'{', '"', 'a', '"', ':', '"', (byte) 0xC0, (byte) 0x80, '"', '}'})); // overlong
    assertEquals(UserEvent.BadReason.MALFORMED_JSON, bad("   "));
    assertEquals(UserEvent.BadReason.NOT_AN_OBJECT, bad("[1,2]"));
    assertEquals(UserEvent.BadReason.NOT_AN_OBJECT, bad("\"u\""));
    assertEquals(UserEvent.BadReason.MISSING_KEY, bad("{\"revenue\":1,\"session_id\":1}"));
    assertEquals(UserEvent.BadReason.MISSING_KEY, bad("{\"user_id\":null,\"revenue\":1,\"session_id\":1}"));
    assertEquals(UserEvent.BadReason.INVALID_KEY, bad("{\"user_id\":\"\",\"revenue\":1,\"session_id\":1}"));
    assertEquals(UserEvent.BadReason.INVALID_KEY, bad("{\"user_id\":1.0,\"revenue\":1,\"session_id\":1}"));
    assertEquals(UserEvent.BadReason.INVALID_KEY, bad("{\"user_id\":18446744073709551616,\"revenue\":1,\"session_id\":1}"));
    assertEquals(UserEvent.BadReason.INVALID_KEY, bad("{\"user_id\":-9223372036854775809,\"revenue\":1,\"session_id\":1}"));
    assertEquals(UserEvent.BadReason.INVALID_KEY, bad("{\"user_id\":{},\"revenue\":1,\"session_id\":1}"));
    assertEquals(UserEvent.BadReason.INVALID_KEY,
        bad("{\"user_id\":\"" + "k".repeat(4097) + "\",\"revenue\":1,\"session_id\":1}"));
    assertEquals(UserEvent.BadReason.MISSING_FIELD, bad("{\"user_id\":\"u\",\"session_id\":1}"));
    assertEquals(UserEvent.BadReason.MISSING_FIELD, bad("{\"user_id\":\"u\",\"revenue\":null,\"session_id\":1}"));
    assertEquals(UserEvent.BadReason.WRONG_TYPE, bad("{\"user_id\":\"u\",\"revenue\":\"1\",\"session_id\":1}"));
    assertEquals(UserEvent.BadReason.MISSING_FIELD, bad("{\"user_id\":\"u\",\"revenue\":1}"));
    assertEquals(UserEvent.BadReason.WRONG_TYPE, bad("{\"user_id\":\"u\",\"revenue\":1,\"session_id\":[1]}"));
    // revenue is checked before session_id (view order), as in the reference
    assertEquals(UserEvent.BadReason.WRONG_TYPE, bad("{\"user_id\":\"u\",\"revenue\":true}"));
    assertEquals(UserEvent.BadReason.TOO_DEEP,
        bad("{\"user_id\":\"u\",\"x\":" + "[".repeat(600) + "]".repeat(600) + "}"));
    assertEquals(UserEvent.BadReason.TOO_LARGE, bad(new byte[(1 << 20) + 1]));
    assertEquals(UserEvent.BadReason.STATE_LIMIT,
        bad("{\"user_id\":\"u\",\"revenue\":1,\"session_id\":\"" + "s".repeat(512 * 1024) + "\"}"));
  }

  @Test
  void nestingUpTo512LevelsIsFine() throws Exception {
    // the event object is level 1: 511 more levels of arrays
    event("{\"user_id\":\"u\",\"revenue\":1,\"session_id\":1,\"x\":" + "[".repeat(511) + "]".repeat(511) + "}");
  }

  // --- folding ---

  @Test
  void foldsAsTheReference() throws Exception {
    final UserStats stats = new UserStats();
    assertEquals("{\"total_events\":0,\"total_revenue\":0,\"total_sessions\":0}", stats.toJson());
    stats.fold(event("{\"user_id\":\"u\",\"revenue\":2,\"session_id\":\"a\"}"));
    stats.fold(event("{\"user_id\":\"u\",\"revenue\":3,\"session_id\":\"a\"}"));
    assertEquals("{\"total_events\":2,\"total_revenue\":5,\"total_sessions\":1}", stats.toJson());
    stats.fold(event("{\"user_id\":\"u\",\"revenue\":0.5,\"session_id\":\"b\"}"));
    stats.fold(event("{\"user_id\":\"u\",\"revenue\":1.5,\"session_id\":1}"));
    // a double from the first fraction on: 7.0 is written "7.0"
    assertEquals("{\"total_events\":4,\"total_revenue\":7.0,\"total_sessions\":3}", stats.toJson());

    final UserStats overflow = new UserStats();
    overflow.fold(event("{\"user_id\":\"u\",\"revenue\":9223372036854775807,\"session_id\":1}"));
    assertEquals("{\"total_events\":1,\"total_revenue\":9223372036854775807,\"total_sessions\":1}", overflow.toJson());
    overflow.fold(event("{\"user_id\":\"u\",\"revenue\":1,\"session_id\":1}"));
    assertEquals("{\"total_events\":2,\"total_revenue\":9.223372036854776e+18,\"total_sessions\":1}",
        overflow.toJson());
  }

  @Test
  void theDistinctSetStopsAtTheStateLimit() throws Exception {
    final UserStats stats = new UserStats();
    final String big = "x".repeat(100_000);
    int folded = 0;
    for (int i = 0; i < 10; i++) {
      if (stats.fold(event("{\"user_id\":\"u\",\"revenue\":1,\"session_id\":\"" + i + big + "\"}"))) folded++;
    }
    assertEquals(5, folded); // 5 * 100,004 bytes fit in 512 KiB, a sixth does not
    assertTrue(stats.fold(event("{\"user_id\":\"u\",\"revenue\":1,\"session_id\":\"0" + big + "\"}")));
    assertEquals("{\"total_events\":6,\"total_revenue\":6,\"total_sessions\":5}", stats.toJson());
  }

  @Test
  void serdesRoundTrip() throws Exception {
    final UserStats stats = new UserStats();
    stats.fold(event("{\"user_id\":\"u\",\"revenue\":0.1,\"session_id\":\"\u00e9\"}"));
    stats.fold(event("{\"user_id\":\"u\",\"revenue\":0.2,\"session_id\":2}"));
    final byte[] bytes = UserStats.SERDE.serializer().serialize("t", stats);
    final UserStats back = UserStats.SERDE.deserializer().deserialize("t", bytes);
    assertEquals(stats.toJson(), back.toJson());
    assertEquals(stats.sessions, back.sessions);
    assertEquals(stats.sessionBytes, back.sessionBytes);
    assertArrayEquals(bytes, UserStats.SERDE.serializer().serialize("t", back));

    final UserEvent e = event("{\"user_id\":\"\u00fc\",\"revenue\":-1.25,\"session_id\":\"s\"}");
    final UserEvent eBack = UserEvent.SERDE.deserializer().deserialize("t", UserEvent.SERDE.serializer().serialize("t", e));
    assertEquals(e.user, eBack.user);
    assertEquals(e.session, eBack.session);
    assertEquals(e.revenueReal, eBack.revenueReal);
    assertEquals(e.revenueIntegral, eBack.revenueIntegral);
  }

  // --- Kafka properties ---

  @Test
  void propertyNamesFromVariables() {
    assertEquals("sasl.mechanism", KafkaClientProperties.propertyName("SASL_MECHANISM"));
    assertEquals("sasl.oauthbearer.client_id", KafkaClientProperties.propertyName("SASL_OAUTHBEARER_CLIENT__ID"));
    assertEquals("KAFKA_PROP_SASL_OAUTHBEARER_CLIENT__ID", KafkaClientProperties.variableOf("sasl.oauthbearer.client_id"));
    final Map<String, String> env = Map.of("KAFKA_PROP_SSL_CA_LOCATION", "/x", "KAFKA_PROPX", "y", "PATH", "/bin");
    assertEquals(Map.of("ssl.ca.location", "/x"), KafkaClientProperties.fromEnvironment(env));
  }

  @Test
  void saslScramWithPemCa() throws Exception {
    final Map<String, String> rd = new HashMap<>();
    rd.put("security.protocol", "sasl_ssl");
    rd.put("sasl.mechanism", "SCRAM-SHA-512");
    rd.put("sasl.username", "kappa \"op\\");
    rd.put("sasl.password", "p\"w\\0d\nx");
    rd.put("ssl.ca.pem", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
    rd.put("ssl.endpoint.identification.algorithm", "none");
    final Map<String, String> java = KafkaClientProperties.translate(rd);
    assertEquals("SASL_SSL", java.get("security.protocol"));
    assertEquals("SCRAM-SHA-512", java.get("sasl.mechanism"));
    assertEquals("PEM", java.get("ssl.truststore.type"));
    assertEquals(rd.get("ssl.ca.pem"), java.get("ssl.truststore.certificates"));
    assertEquals("", java.get("ssl.endpoint.identification.algorithm"));
    final var entry = JaasContext.loadClientContext(Map.of("sasl.jaas.config", new Password(java.get("sasl.jaas.config"))))
        .configurationEntries().get(0);
    assertEquals("org.apache.kafka.common.security.scram.ScramLoginModule", entry.getLoginModuleName());
    assertEquals("kappa \"op\\", entry.getOptions().get("username"));
    assertEquals("p\"w\\0d\nx", entry.getOptions().get("password"));
  }

  @Test
  void plainAndPassThrough() throws Exception {
    final Map<String, String> java = KafkaClientProperties.translate(Map.of(
        "security.protocol", "SASL_PLAINTEXT", "sasl.mechanisms", "PLAIN", "sasl.username", "u",
        "sasl.password", "p", "client.id", "c", "fetch.wait.max.ms", "50"));
    assertTrue(java.get("sasl.jaas.config").startsWith("org.apache.kafka.common.security.plain.PlainLoginModule"));
    assertEquals("c", java.get("client.id"));
    assertEquals("50", java.get("fetch.max.wait.ms"));
    assertEquals(Map.of(), KafkaClientProperties.translate(Map.of()));
  }

  @Test
  void refusedProperties() {
    for (final Map<String, String> rd : List.of(
        Map.of("queued.min.messages", "1000"),
        Map.of("enable.auto.commit", "true"),
        Map.of("bootstrap.servers", "x:9092"),
        Map.of("security.protocol", "sasl_ssl", "sasl.username", "u", "sasl.password", "p"), // GSSAPI default
        Map.of("security.protocol", "sasl_ssl", "sasl.mechanism", "OAUTHBEARER"),
        Map.of("security.protocol", "sasl_ssl", "sasl.mechanism", "PLAIN", "sasl.username", "u"),
        Map.of("sasl.username", "u", "sasl.password", "p"), // plaintext
        Map.of("enable.ssl.certificate.verification", "false"),
        Map.of("ssl.ca.location", "/nonexistent/ca.pem"),
        Map.of("ssl.certificate.pem", "x"),
        Map.of("ssl.certificate.pem", "x", "ssl.key.pem", "-----BEGIN RSA PRIVATE KEY-----"),
        Map.of("security.protocol", "sasl_tls"))) {
      final ConfigError error = assertThrows(ConfigError.class, () -> KafkaClientProperties.translate(rd), rd.toString());
      assertTrue(error.getMessage().startsWith("KAFKA_PROP_"), error.getMessage());
      assertFalse(error.getMessage().contains("\"p\""), error.getMessage());
    }
  }

  // --- settings ---

  private static Map<String, String> contract() {
    final Map<String, String> env = new HashMap<>();
    env.put("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092");
    env.put("KAPPA_INPUT_TOPIC", "in");
    env.put("KAPPA_CONSUMER_GROUP", "kappa.ns.p.v3");
    env.put("KAPPA_OUTPUT_TOPIC", "ns.p.v3");
    env.put("KAPPA_START_FROM", "earliest");
    env.put("KAPPA_SERVING_PORT", "8080");
    env.put("KAPPA_BIND_ADDRESS", "10.0.0.7");
    env.put("KAPPA_CONFIG", "{\"aggregates\":{\"total_sessions\":{\"field\":\"session_id\",\"op\":\"count_distinct\"},"
        + "\"total_revenue\":{\"op\":\"sum\",\"field\":\"revenue\"},\"total_events\":{\"op\":\"count\"}},\"key\":\"user_id\"}");
    return env;
  }

  @Test
  void theContractEnvironment() throws Exception {
    Settings s = Settings.fromEnvironment(contract());
    assertEquals(Settings.StartFrom.EARLIEST, s.startFrom);
    assertEquals("10.0.0.7", s.advertisedHost());
    assertEquals(-1, s.replicationFactor);
    final Map<String, String> env = contract();
    env.put("KAPPA_START_FROM", "1700000000000");
    env.put("KAPPA_CONFIG", "{}");
    env.put("KAPPA_BIND_ADDRESS", "0.0.0.0");
    s = Settings.fromEnvironment(env);
    assertEquals(Settings.StartFrom.TIMESTAMP, s.startFrom);
    assertEquals(1700000000000L, s.startTimestampMs);
    assertNull(s.advertisedHost());
  }

  @Test
  void refusedSettings() {
    for (final String[] change : new String[][] {
        {"KAPPA_START_FROM", "yesterday"}, {"KAPPA_SERVING_PORT", "0"}, {"KAPPA_INPUT_TOPIC", ""},
        {"KAPPA_CONFIG", "{\"key\":\"user_id\",\"aggregates\":{\"n\":{\"op\":\"count\"}}}"},
        {"KAPPA_CONSUMER_GROUP", "a/b"}, {"KAFKA_PROP_DEBUG", "all"}}) {
      final Map<String, String> env = contract();
      env.put(change[0], change[1]);
      final ConfigError error = assertThrows(ConfigError.class, () -> Settings.fromEnvironment(env), change[0]);
      assertTrue(error.getMessage().startsWith(change[0]), error.getMessage());
    }
  }

  // --- HTTP routing (no store needed) ---

  @Test
  void httpRouting() {
    final HttpApi api = new HttpApi(null, null, () -> "catching up", () -> "m 1\n");
    assertEquals(List.of("v1", "keys", "a/b \u00e9"), HttpApi.segments("/v1//keys/a%2Fb%20%C3%A9", null));
    assertNull(HttpApi.segments("/v1/keys/%FF", null));
    assertNull(HttpApi.segments("/v1/keys/%4", null));
    assertNull(HttpApi.segments("/v1/keys/a", "x=%zz"));
    assertEquals(400, api.route("GET", URI.create("/v1/keys/%FF"), false).status());
    assertEquals("{\"error\":\"the path or query is not valid percent-encoded UTF-8\"}",
        api.route("GET", URI.create("/v1/keys/%C0%80"), false).body());
    assertEquals(200, api.route("GET", URI.create("/healthz"), false).status());
    assertEquals("{\"status\":\"ok\"}", api.route("GET", URI.create("/healthz/"), false).body());
    final HttpApi.Response notReady = api.route("GET", URI.create("/readyz"), false);
    assertEquals(503, notReady.status());
    assertEquals("{\"reason\":\"catching up\",\"status\":\"unavailable\"}", notReady.body());
    assertEquals(404, api.route("GET", URI.create("/nope"), false).status());
    assertEquals(404, api.route("GET", URI.create("/v1/keys/a/b"), false).status());
    final HttpApi.Response post = api.route("POST", URI.create("/v1/keys/a"), false);
    assertEquals(405, post.status());
    assertEquals("Allow", post.headers().get(0)[0]);
    assertEquals(501, api.route("GET", URI.create("/v1/keys"), false).status());
    assertEquals("m 1\n", api.route("GET", URI.create("/metrics"), false).body());
    final HttpApi ready = new HttpApi(null, null, () -> "", () -> "");
    assertEquals("{\"status\":\"ready\"}", ready.route("GET", URI.create("/readyz"), false).body());
  }
}
