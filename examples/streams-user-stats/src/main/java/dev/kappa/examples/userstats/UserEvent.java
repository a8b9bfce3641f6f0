package dev.kappa.examples.userstats;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * One input event reduced to what the user-stats view folds: the view key (user_id), the revenue
 * to add and the session as a distinct-set member. {@link #parse} checks an event the way the
 * reference processor checks it for its default view (processor/core/aggregator.cpp with
 * {"key":"user_id","aggregates":{"total_events":{"op":"count"},"total_revenue":{"op":"sum",
 * "field":"revenue"},"total_sessions":{"op":"count_distinct","field":"session_id"}}}): an event
 * that would be a bad record there is a bad record here, for the same reason, and is skipped
 * whole.
 *
 * <p>This is also the value of the repartition topic (a few bytes, see {@link #SERDE}).
 */
final class UserEvent {
  /** Bytes of one event (limits.h kMaxEventBytes). */
  static final int MAX_EVENT_BYTES = 1 << 20;
  /** Bytes of a view key (limits.h kMaxKeyBytes). */
  static final int MAX_KEY_BYTES = 4096;
  /** Nesting levels of objects and arrays (limits.h kMaxEventDepth). */
  static final int MAX_EVENT_DEPTH = 512;
  /**
   * JSON bytes a key's distinct set may keep: limits.h kMaxKeyStateBytes (512 KiB) shared by the
   * view's `last` and `count_distinct` aggregates, of which this view has one.
   */
  static final long MAX_DISTINCT_BYTES = 512L << 10;

  private static final BigInteger UINT64_MAX = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

  private static final ObjectMapper JSON = new ObjectMapper(
      JsonFactory.builder()
          .streamReadConstraints(StreamReadConstraints.builder()
              .maxNestingDepth(MAX_EVENT_DEPTH)
              // nlohmann has no limits on these; an event is at most 1 MiB anyway.
              .maxNumberLength(2 * MAX_EVENT_BYTES)
              .maxNameLength(2 * MAX_EVENT_BYTES)
              .maxStringLength(2 * MAX_EVENT_BYTES)
              .build())
          .build())
      // Only whitespace may follow the value; of duplicate members the last wins (both as nlohmann).
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  /** The user (view key), as text: a string as it is, an integer in decimal. */
  final String user;
  /** The revenue: integral (fits int64) or not, as the reference's sum tells them apart. */
  final boolean revenueIntegral;
  final long revenueInteger;
  final double revenueReal;
  /** The canonical distinct-set member of session_id (aggregates.cpp canonical_scalar). */
  final String session;

  UserEvent(String user, boolean revenueIntegral, long revenueInteger, double revenueReal, String session) {
    this.user = user;
    this.revenueIntegral = revenueIntegral;
    this.revenueInteger = revenueInteger;
    this.revenueReal = revenueReal;
    this.session = session;
  }

  /** Why an event is a bad record: the reference processor's reason labels. */
  enum BadReason {
    MALFORMED_JSON("malformed_json"),
    NOT_AN_OBJECT("not_an_object"),
    MISSING_KEY("missing_key"),
    INVALID_KEY("invalid_key"),
    MISSING_FIELD("missing_field"),
    WRONG_TYPE("wrong_type"),
    TOO_DEEP("too_deep"),
    TOO_LARGE("too_large"),
    STATE_LIMIT("state_limit");

    final String label;

    BadReason(String label) {
      this.label = label;
    }
  }

  /** A bad record: thrown by {@link #parse}, never escapes the topology. */
  static final class BadRecord extends Exception {
    private static final long serialVersionUID = 1L;
    final BadReason reason;

    BadRecord(BadReason reason, String detail) {
      super(detail, null, false, false);
      this.reason = reason;
    }
  }

  /** Reads one event; throws BadRecord for whatever the reference would refuse. */
  static UserEvent parse(byte[] payload) throws BadRecord {
    if (payload == null || payload.length == 0) throw new BadRecord(BadReason.MALFORMED_JSON, "empty value");
    if (payload.length > MAX_EVENT_BYTES) {
      throw new BadRecord(BadReason.TOO_LARGE,
          "the event is " + payload.length + " bytes, more than " + MAX_EVENT_BYTES);
    }
    // nlohmann accepts exactly valid UTF-8 (no overlong forms, no surrogates): so does Java's
    // decoder set to report. A leading byte-order mark is skipped, as nlohmann skips it.
    final String text;
    try {
      text = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(payload))
          .toString();
    } catch (CharacterCodingException e) {
      throw new BadRecord(BadReason.MALFORMED_JSON, "not valid JSON");
    }
    final JsonNode event;
    try {
      event = JSON.readTree(text.startsWith("\uFEFF") ? text.substring(1) : text);
    } catch (StreamConstraintsException e) {
      if (e.getMessage() != null && e.getMessage().contains("depth")) {
        throw new BadRecord(BadReason.TOO_DEEP,
            "the event nests objects and arrays more than " + MAX_EVENT_DEPTH + " levels deep");
      }
      throw new BadRecord(BadReason.MALFORMED_JSON, "not valid JSON");
    } catch (JsonProcessingException e) {
      throw new BadRecord(BadReason.MALFORMED_JSON, "not valid JSON");
    }
    // Jackson takes an escaped lone surrogate ("\ud800") for a character; nlohmann refuses it.
    if (event == null || event.isMissingNode() || hasLoneSurrogate(event)) {
      throw new BadRecord(BadReason.MALFORMED_JSON, "not valid JSON");
    }
    if (!event.isObject()) throw new BadRecord(BadReason.NOT_AN_OBJECT, "the event is not a JSON object");

    final JsonNode key = event.get("user_id");
    if (key == null || key.isNull()) throw new BadRecord(BadReason.MISSING_KEY, "key field 'user_id' is missing");
    final String user = keyText(key);
    if (user == null) {
      throw new BadRecord(BadReason.INVALID_KEY,
          "key field 'user_id' must be a non-empty string or an integer, not " + shorten(key.toString()));
    }
    final int keyBytes = user.getBytes(StandardCharsets.UTF_8).length;
    if (keyBytes > MAX_KEY_BYTES) {
      throw new BadRecord(BadReason.INVALID_KEY,
          "key field 'user_id' is " + keyBytes + " bytes, more than " + MAX_KEY_BYTES);
    }

    // The aggregates in view order (names sorted): total_events, total_revenue, total_sessions.
    final JsonNode revenue = event.get("revenue");
    if (revenue == null || revenue.isNull()) {
      throw new BadRecord(BadReason.MISSING_FIELD, "field 'revenue' (aggregate total_revenue) is missing");
    }
    if (!revenue.isNumber()) {
      throw new BadRecord(BadReason.WRONG_TYPE,
          "field 'revenue' (aggregate total_revenue) is " + typeName(revenue) + ", expected a number");
    }
    final boolean integral = revenue.isIntegralNumber() && revenue.canConvertToLong();
    final JsonNode session = event.get("session_id");
    if (session == null || session.isNull()) {
      throw new BadRecord(BadReason.MISSING_FIELD, "field 'session_id' (aggregate total_sessions) is missing");
    }
    if (!(session.isTextual() || session.isNumber() || session.isBoolean())) {
      throw new BadRecord(BadReason.WRONG_TYPE, "field 'session_id' (aggregate total_sessions) is "
          + typeName(session) + ", expected a string, number or boolean");
    }
    final String member = canonicalScalar(session);
    if (memberJsonSize(member) > MAX_DISTINCT_BYTES) {
      throw new BadRecord(BadReason.STATE_LIMIT, "field 'session_id' (aggregate total_sessions) is larger than the "
          + MAX_DISTINCT_BYTES + " bytes a key's state may keep of it");
    }
    return new UserEvent(user, integral, integral ? revenue.longValue() : 0,
        integral ? 0.0 : numberAsDouble(revenue), member);
  }

  /** A string key as it is (non-empty), an integer within [-2^63, 2^64) in decimal; else null. */
  static String keyText(JsonNode key) {
    if (key.isTextual()) return key.textValue().isEmpty() ? null : key.textValue();
    if (key.isIntegralNumber()) {
      final BigInteger value = key.bigIntegerValue();
      if (value.bitLength() < 64 || (value.signum() > 0 && value.compareTo(UINT64_MAX) <= 0)) {
        return value.toString();
      }
    }
    return null; // nlohmann reads other integers as doubles, and a double is no key
  }

  /**
   * The number as nlohmann holds it as a double: integers beyond int64/uint64 are parsed as
   * doubles there (correctly rounded, as BigInteger.doubleValue is), uint64 values are converted
   * (round to nearest, as here).
   */
  private static double numberAsDouble(JsonNode number) {
    if (number.isBigInteger()) return number.bigIntegerValue().doubleValue();
    return number.doubleValue();
  }

  /**
   * The canonical member of a scalar (aggregates.cpp canonical_scalar): 's' + a string, 'b' +
   * true|false, 'n' + a number's JSON with integral doubles within ±9.2e18 as integers (5 and
   * 5.0 are one value, "5" is another).
   */
  static String canonicalScalar(JsonNode value) {
    if (value.isTextual()) return "s" + value.textValue();
    if (value.isBoolean()) return value.booleanValue() ? "btrue" : "bfalse";
    if (value.isIntegralNumber()) {
      final BigInteger integer = value.bigIntegerValue();
      if (integer.bitLength() < 64 || (integer.signum() > 0 && integer.compareTo(UINT64_MAX) <= 0)) {
        return "n" + integer;
      }
    }
    final double d = numberAsDouble(value);
    if (d >= -9.2e18 && d <= 9.2e18 && d == (double) (long) d) return "n" + (long) d;
    return "n" + JsonText.number(d);
  }

  /** The bytes a member takes in the reference's changelog array, its comma included. */
  static long memberJsonSize(String member) {
    if (member.isEmpty()) return 0;
    return (member.charAt(0) == 's' ? JsonText.stringSize(member.substring(1)) : member.length() - 1) + 1;
  }

  private static String typeName(JsonNode value) {
    if (value.isObject()) return "an object";
    if (value.isArray()) return "an array";
    if (value.isTextual()) return "a string";
    if (value.isBoolean()) return "a boolean";
    if (value.isNull()) return "null";
    return "a number";
  }

  private static String shorten(String text) {
    return text.length() <= 200 ? text : text.substring(0, 200) + "...";
  }

  private static boolean hasLoneSurrogate(JsonNode root) {
    // Iterative: the depth is bounded, but a wide event must not cost stack either.
    final java.util.ArrayDeque<JsonNode> pending = new java.util.ArrayDeque<>();
    pending.push(root);
    while (!pending.isEmpty()) {
      final JsonNode node = pending.pop();
      if (node.isTextual()) {
        if (loneSurrogate(node.textValue())) return true;
      } else if (node.isObject()) {
        for (final Map.Entry<String, JsonNode> member : node.properties()) {
          if (loneSurrogate(member.getKey())) return true;
          pending.push(member.getValue());
        }
      } else if (node.isArray()) {
        node.forEach(pending::push);
      }
    }
    return false;
  }

  private static boolean loneSurrogate(String text) {
    for (int i = 0; i < text.length(); i++) {
      final char c = text.charAt(i);
      if (Character.isHighSurrogate(c)) {
        if (i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
          i++;
        } else {
          return true;
        }
      } else if (Character.isLowSurrogate(c)) {
        return true;
      }
    }
    return false;
  }

  /** The repartition topic's value: flags, the revenue, the member (the key is the record's). */
  static final Serde<UserEvent> SERDE = Serdes.serdeFrom(new EventSerializer(), new EventDeserializer());

  private static final class EventSerializer implements Serializer<UserEvent> {
    @Override
    public byte[] serialize(String topic, UserEvent event) {
      if (event == null) return null;
      final byte[] member = event.session.getBytes(StandardCharsets.UTF_8);
      final ByteArrayOutputStream bytes = new ByteArrayOutputStream(member.length + 32);
      try (DataOutputStream out = new DataOutputStream(bytes)) {
        out.writeByte(1); // format version
        out.writeBoolean(event.revenueIntegral);
        if (event.revenueIntegral) {
          out.writeLong(event.revenueInteger);
        } else {
          out.writeDouble(event.revenueReal);
        }
        out.writeInt(member.length);
        out.write(member);
        // The user travels as the record key; carried here too so the value is whole on its own.
        final byte[] user = event.user.getBytes(StandardCharsets.UTF_8);
        out.writeInt(user.length);
        out.write(user);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return bytes.toByteArray();
    }
  }

  private static final class EventDeserializer implements Deserializer<UserEvent> {
    @Override
    public UserEvent deserialize(String topic, byte[] data) {
      if (data == null) return null;
      try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(data))) {
        final int version = in.readUnsignedByte();
        if (version != 1) throw new IllegalStateException("unknown event format " + version + " in " + topic);
        final boolean integral = in.readBoolean();
        final long integer = integral ? in.readLong() : 0;
        final double real = integral ? 0.0 : in.readDouble();
        final String member = readString(in);
        final String user = readString(in);
        return new UserEvent(user, integral, integer, real, member);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  static String readString(DataInputStream in) throws IOException {
    final byte[] bytes = new byte[in.readInt()];
    in.readFully(bytes);
    return new String(bytes, StandardCharsets.UTF_8);
  }
}
