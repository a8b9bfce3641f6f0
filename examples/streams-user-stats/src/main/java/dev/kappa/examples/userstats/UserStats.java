package dev.kappa.examples.userstats;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * The aggregate of one user, folded as the reference processor folds it
 * (processor/core/aggregates.cpp): events counted; revenue summed in exact 64-bit integer
 * arithmetic while every value is an integer, as an IEEE double from the first fractional value
 * (or an int64 overflow) on; sessions kept whole as a set of canonical members, within the
 * reference's state limit.
 */
final class UserStats {
  long events;
  boolean integral = true;
  long sumInteger;
  double sumReal;
  final Set<String> sessions = new HashSet<>();
  /** JSON bytes of the set's members (UserEvent.memberJsonSize summed). */
  long sessionBytes;

  /**
   * Folds one event in; false, with nothing changed, when its session is new and would grow the
   * set past the state limit (the reference refuses such an event as a bad record, state_limit).
   */
  boolean fold(UserEvent event) {
    final boolean newSession = !sessions.contains(event.session);
    final long memberBytes = newSession ? UserEvent.memberJsonSize(event.session) : 0;
    if (sessionBytes + memberBytes > UserEvent.MAX_DISTINCT_BYTES) return false;
    events++;
    addRevenue(event);
    if (newSession) {
      sessions.add(event.session);
      sessionBytes += memberBytes;
    }
    return true;
  }

  private void addRevenue(UserEvent event) {
    if (integral) {
      if (event.revenueIntegral) {
        final long result = sumInteger + event.revenueInteger;
        // Overflow iff both operands have the sign the result lacks (Math.addExact's test).
        if (((sumInteger ^ result) & (event.revenueInteger ^ result)) >= 0) {
          sumInteger = result;
          return;
        }
      }
      integral = false;
      sumReal = (double) sumInteger;
    }
    sumReal += event.revenueIntegral ? (double) event.revenueInteger : event.revenueReal;
  }

  /** The output row, byte for byte as the reference writes it (state_codec.cpp render_output). */
  String toJson() {
    return "{\"total_events\":" + events
        + ",\"total_revenue\":" + (integral ? Long.toString(sumInteger) : JsonText.number(sumReal))
        + ",\"total_sessions\":" + sessions.size() + "}";
  }

  /** The store's (and its changelog's) bytes. */
  static final Serde<UserStats> SERDE = Serdes.serdeFrom(new StatsSerializer(), new StatsDeserializer());

  private static final class StatsSerializer implements Serializer<UserStats> {
    @Override
    public byte[] serialize(String topic, UserStats stats) {
      if (stats == null) return null;
      final ByteArrayOutputStream bytes = new ByteArrayOutputStream((int) Math.min(64 + stats.sessionBytes, 1 << 20));
      try (DataOutputStream out = new DataOutputStream(bytes)) {
        out.writeByte(1); // format version
        out.writeLong(stats.events);
        out.writeBoolean(stats.integral);
        out.writeLong(stats.sumInteger);
        out.writeDouble(stats.sumReal);
        out.writeLong(stats.sessionBytes);
        out.writeInt(stats.sessions.size());
        for (final String session : stats.sessions) {
          final byte[] member = session.getBytes(StandardCharsets.UTF_8);
          out.writeInt(member.length);
          out.write(member);
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return bytes.toByteArray();
    }
  }

  private static final class StatsDeserializer implements Deserializer<UserStats> {
    @Override
    public UserStats deserialize(String topic, byte[] data) {
      if (data == null) return null;
      final UserStats stats = new UserStats();
      try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
        final int version = in.readUnsignedByte();
        if (version != 1) throw new IllegalStateException("unknown state format " + version);
        stats.events = in.readLong();
        stats.integral = in.readBoolean();
        stats.sumInteger = in.readLong();
        stats.sumReal = in.readDouble();
        stats.sessionBytes = in.readLong();
        for (int n = in.readInt(); n > 0; n--) stats.sessions.add(UserEvent.readString(in));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return stats;
    }
  }
}
