package dev.kappa.examples.userstats;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The serving port, with the reference processor's answers (processor/core/serving_api.cpp),
 * byte for byte where it has the same route:
 *
 * <ul>
 *   <li>GET /v1/keys/{key}: 200 {"key":k,"value":{row}}, 404 {"error":"key not found: k"};
 *   <li>GET /healthz: 200 {"status":"ok"} while the process runs;
 *   <li>GET /readyz: 200 {"status":"ready"}, else 503 {"reason":...,"status":"unavailable"};
 *   <li>GET /metrics: Prometheus text;
 *   <li>GET /v1/keys (the reference's paged listing): 501, not implemented here;
 *   <li>an unknown path 404, another method 405 (Allow: GET), a path or query that is not valid
 *       percent-encoded UTF-8 400; every error body is {"error": ...}.
 * </ul>
 *
 * A key whose partition another replica owns is fetched from that replica (Kafka Streams knows
 * who, from application.server), so any replica answers for any key, as the contract asks.
 */
final class HttpApi {
  private static final Logger LOG = LoggerFactory.getLogger(HttpApi.class);
  static final String FORWARDED_HEADER = "X-Kappa-Forwarded";

  private final KafkaStreams streams;
  private final HostInfo self; // null: bound to every address, no other replica is asked
  private final Supplier<String> notReadyReason;
  private final Supplier<String> metricsText;
  private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private HttpServer server;
  private ExecutorService executor;

  HttpApi(KafkaStreams streams, HostInfo self, Supplier<String> notReadyReason, Supplier<String> metricsText) {
    this.streams = streams;
    this.self = self;
    this.notReadyReason = notReadyReason;
    this.metricsText = metricsText;
  }

  void start(String bindAddress, int port) throws IOException {
    final String host = bindAddress.startsWith("[") && bindAddress.endsWith("]")
        ? bindAddress.substring(1, bindAddress.length() - 1) : bindAddress;
    server = HttpServer.create(new InetSocketAddress(InetAddress.getByName(host), port), 64);
    executor = Executors.newFixedThreadPool(4, r -> {
      final Thread thread = new Thread(r, "http");
      thread.setDaemon(true);
      return thread;
    });
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
  }

  void stop() {
    if (server != null) server.stop(0);
    if (executor != null) executor.shutdownNow();
  }

  /** One answer: status, content type, body, and headers beyond those. */
  record Response(int status, String contentType, String body, List<String[]> headers) {
    static Response json(int status, String body) {
      return new Response(status, "application/json", body, List.of());
    }

    static Response error(int status, String message) {
      return json(status, "{\"error\":" + JsonText.string(message) + "}");
    }
  }

  private void handle(HttpExchange exchange) {
    try (exchange) {
      Response response;
      try {
        response = route(exchange.getRequestMethod(), exchange.getRequestURI(),
            exchange.getRequestHeaders().containsKey(FORWARDED_HEADER));
      } catch (RuntimeException e) {
        LOG.warn("request {} failed", exchange.getRequestURI(), e);
        response = Response.error(500, "internal error: " + e.getClass().getSimpleName());
      }
      final byte[] body = response.body().getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", response.contentType());
      for (final String[] header : response.headers()) exchange.getResponseHeaders().add(header[0], header[1]);
      final boolean head = exchange.getRequestMethod().equals("HEAD");
      exchange.sendResponseHeaders(response.status(), head ? -1 : (body.length == 0 ? -1 : body.length));
      if (!head && body.length > 0) {
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(body);
        }
      }
    } catch (IOException | RuntimeException e) {
      LOG.debug("HTTP exchange dropped: {}", e.toString());
    }
  }

  /** The routing, as serving_api.cpp's ServingApi::handle; a pure function of the request bar the store. */
  Response route(String method, URI uri, boolean forwarded) {
    final String rawPath = uri.getRawPath() == null ? "" : uri.getRawPath();
    final List<String> segments = segments(rawPath, uri.getRawQuery());
    if (segments == null) return Response.error(400, "the path or query is not valid percent-encoded UTF-8");
    final boolean keysPath = segments.size() >= 2 && segments.get(0).equals("v1") && segments.get(1).equals("keys");
    final boolean known = keysPath || is(segments, "healthz") || is(segments, "readyz") || is(segments, "metrics");
    if (!known || (keysPath && segments.size() > 3)) {
      return Response.error(404, "no such path: " + rawPath
          + " (use /v1/keys/{key}, /v1/keys, /healthz, /readyz, /metrics)");
    }
    if (!method.equals("GET")) {
      final Response refused = Response.error(405, "method " + method + " is not allowed on " + rawPath + " (use GET)");
      return new Response(405, refused.contentType(), refused.body(), List.<String[]>of(new String[] {"Allow", "GET"}));
    }
    if (keysPath) {
      if (segments.size() == 3) return getKey(segments.get(2), rawPath, forwarded);
      return Response.error(501, "listing keys is not implemented by this example; use /v1/keys/{key}");
    }
    if (is(segments, "healthz")) return Response.json(200, "{\"status\":\"ok\"}");
    if (is(segments, "readyz")) {
      final String why = notReadyReason.get();
      if (why.isEmpty()) return Response.json(200, "{\"status\":\"ready\"}");
      return Response.json(503, "{\"reason\":" + JsonText.string(why) + ",\"status\":\"unavailable\"}");
    }
    return new Response(200, "text/plain; version=0.0.4; charset=utf-8", metricsText.get(), List.of());
  }

  private Response getKey(String key, String rawPath, boolean forwarded) {
    try {
      final KeyQueryMetadata where = self == null ? null
          : streams.queryMetadataForKey(UserStatsTopology.STORE, key, Serdes.String().serializer());
      if (where != null && (where.equals(KeyQueryMetadata.NOT_AVAILABLE) || where.activeHost() == null)) {
        return Response.error(503, "the table is not available right now (Kafka Streams is " + streams.state() + ")");
      }
      if (where != null && !where.activeHost().equals(self)) {
        if (forwarded) {
          return Response.error(503, "key moved while the request was forwarded; retry");
        }
        return forward(where.activeHost(), rawPath);
      }
      StoreQueryParameters<ReadOnlyKeyValueStore<String, UserStats>> query =
          StoreQueryParameters.fromNameAndType(UserStatsTopology.STORE, QueryableStoreTypes.keyValueStore());
      if (where != null) query = query.withPartition(where.partition());
      final UserStats row = streams.store(query).get(key);
      if (row == null) return Response.error(404, "key not found: " + key);
      return Response.json(200, "{\"key\":" + JsonText.string(key) + ",\"value\":" + row.toJson() + "}");
    } catch (InvalidStateStoreException e) {
      return Response.error(503, "the table is not queryable right now: " + e.getMessage());
    }
  }

  /** The same GET, to the replica that owns the key's partition; its answer as it is. */
  private Response forward(HostInfo owner, String rawPath) {
    final String host = owner.host().contains(":") ? "[" + owner.host() + "]" : owner.host();
    try {
      final HttpResponse<String> answer = client.send(
          HttpRequest.newBuilder(URI.create("http://" + host + ":" + owner.port() + rawPath))
              .timeout(Duration.ofSeconds(5))
              .header(FORWARDED_HEADER, "1")
              .GET()
              .build(),
          HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
      return new Response(answer.statusCode(),
          answer.headers().firstValue("Content-Type").orElse("application/json"), answer.body(), List.of());
    } catch (IOException | IllegalArgumentException e) {
      return Response.error(503, "the replica that owns this key (" + owner + ") did not answer: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Response.error(503, "interrupted");
    }
  }

  private static boolean is(List<String> segments, String only) {
    return segments.size() == 1 && segments.get(0).equals(only);
  }

  /**
   * The path split on '/', each part percent-decoded and valid UTF-8, empty parts dropped (as
   * common/src/http_target.cpp parse_target); the query is checked the same way. null: invalid.
   */
  static List<String> segments(String rawPath, String rawQuery) {
    if (!visibleAscii(rawPath) || (rawQuery != null && !visibleAscii(rawQuery))) return null;
    final List<String> segments = new ArrayList<>();
    for (final String part : rawPath.split("/", -1)) {
      final String decoded = decode(part);
      if (decoded == null) return null;
      if (!decoded.isEmpty()) segments.add(decoded);
    }
    if (rawQuery != null) {
      for (final String pair : rawQuery.split("&", -1)) {
        for (final String half : pair.split("=", 2)) {
          if (decode(half) == null) return null;
        }
      }
    }
    return segments;
  }

  private static boolean visibleAscii(String text) {
    for (int i = 0; i < text.length(); i++) {
      final char c = text.charAt(i);
      if (c <= 0x20 || c >= 0x7f) return false;
    }
    return true;
  }

  /** Percent-decoding (no '+' for space), then strict UTF-8; null when either fails. */
  static String decode(String text) {
    final ByteArrayOutputStream bytes = new ByteArrayOutputStream(text.length());
    for (int i = 0; i < text.length(); i++) {
      final char c = text.charAt(i);
      if (c != '%') {
        bytes.write(c);
        continue;
      }
      if (i + 2 >= text.length()) return null;
      final int high = Character.digit(text.charAt(i + 1), 16);
      final int low = Character.digit(text.charAt(i + 2), 16);
      if (high < 0 || low < 0) return null;
      bytes.write(high * 16 + low);
      i += 2;
    }
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes.toByteArray()))
          .toString();
    } catch (CharacterCodingException e) {
      return null;
    }
  }
}
