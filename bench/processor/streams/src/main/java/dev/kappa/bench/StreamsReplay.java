package dev.kappa.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.state.Stores;

/**
 * The Kafka Streams contender of the replay benchmark: the user-stats view (per user_id: count of
 * events, sum of revenue, exact distinct sessions) with exactly_once_v2, in-memory state (like
 * kappa-processor's) and the output table written to a topic. It snapshots the input's end offsets
 * at start and stops once its group has committed them, as a bounded kappa-processor run does.
 *
 * <p>Usage: StreamsReplay INPUT_TOPIC OUTPUT_TOPIC APPLICATION_ID STATE_DIR; prints the number of
 * records aggregated.
 */
public final class StreamsReplay {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final AtomicLong aggregated = new AtomicLong();

  /** The aggregate of one user; the distinct set is kept whole, as kappa-processor does. */
  static final class UserStats {
    long events;
    double revenue;
    final Set<String> sessions = new HashSet<>();

    UserStats add(byte[] event) {
      try {
        final JsonNode node = JSON.readTree(event);
        events++;
        revenue += node.path("revenue").asDouble();
        sessions.add(node.path("session_id").asText());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      aggregated.incrementAndGet();
      return this;
    }

    String toJson() {
      return "{\"total_events\":" + events + ",\"total_revenue\":" + revenue
          + ",\"total_sessions\":" + sessions.size() + "}";
    }
  }

  /** Compact binary state: the store and its changelog hold these bytes. */
  static final class UserStatsSerde implements Serde<UserStats> {
    @Override
    public Serializer<UserStats> serializer() {
      return (topic, stats) -> {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream(32 + 16 * stats.sessions.size());
        try (DataOutputStream out = new DataOutputStream(bytes)) {
          out.writeLong(stats.events);
          out.writeDouble(stats.revenue);
          out.writeInt(stats.sessions.size());
          for (final String session : stats.sessions) out.writeUTF(session);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
      };
    }

    @Override
    public Deserializer<UserStats> deserializer() {
      return (topic, data) -> {
        if (data == null) return null;
        final UserStats stats = new UserStats();
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
          stats.events = in.readLong();
          stats.revenue = in.readDouble();
          for (int n = in.readInt(); n > 0; n--) stats.sessions.add(in.readUTF());
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
        return stats;
      };
    }
  }

  static Topology topology(String input, String output) {
    final StreamsBuilder builder = new StreamsBuilder();
    builder.stream(input, Consumed.with(Serdes.String(), Serdes.ByteArray()))
        .groupByKey(Grouped.with(Serdes.String(), Serdes.ByteArray())) // keyed by user_id: no repartition
        .aggregate(
            UserStats::new,
            (user, event, stats) -> stats.add(event),
            Materialized.<String, UserStats>as(Stores.inMemoryKeyValueStore("user-stats"))
                .withKeySerde(Serdes.String())
                .withValueSerde(new UserStatsSerde()))
        .toStream()
        .mapValues(UserStats::toJson)
        .to(output, Produced.with(Serdes.String(), Serdes.String()));
    return builder.build();
  }

  public static void main(String[] args) throws Exception {
    if (args.length != 4) {
      System.err.println("usage: StreamsReplay INPUT_TOPIC OUTPUT_TOPIC APPLICATION_ID STATE_DIR");
      System.exit(2);
    }
    final String bootstrap = System.getenv("KAFKA_BOOTSTRAP_SERVERS");
    final String input = args[0], output = args[1], applicationId = args[2];
    final Properties props = new Properties();
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    props.put(StreamsConfig.STATE_DIR_CONFIG, args[3]);

    final long started = System.nanoTime();
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
      final Map<TopicPartition, Long> end = endOffsets(admin, input);
      final KafkaStreams streams = new KafkaStreams(topology(input, output), props);
      streams.setUncaughtExceptionHandler(
          e -> {
            System.err.println("StreamsReplay: " + e);
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
          });
      streams.start();
      // Done when the group's committed offsets (what lag measures) reach the snapshot.
      while (!committedUpTo(admin, applicationId, end)) {
        if (streams.state() == KafkaStreams.State.ERROR
            || streams.state() == KafkaStreams.State.NOT_RUNNING) {
          System.err.println("StreamsReplay: stopped in state " + streams.state());
          System.exit(1);
        }
        Thread.sleep(50);
      }
      final long caughtUp = System.nanoTime();
      streams.close(Duration.ofSeconds(60));
      // Where the time went, for the log: processing vs closing.
      System.err.printf(
          "StreamsReplay: committed up to the end offsets after %.1f s, closed %.1f s later%n",
          (caughtUp - started) / 1e9, (System.nanoTime() - caughtUp) / 1e9);
    }
    System.out.println(aggregated.get());
  }

  static Map<TopicPartition, Long> endOffsets(Admin admin, String topic) throws Exception {
    final Map<TopicPartition, OffsetSpec> query = new HashMap<>();
    admin.describeTopics(Set.of(topic)).allTopicNames().get().get(topic).partitions()
        .forEach(p -> query.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
    final Map<TopicPartition, Long> end = new HashMap<>();
    admin.listOffsets(query, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all().get()
        .forEach((tp, info) -> end.put(tp, info.offset()));
    return end;
  }

  static boolean committedUpTo(Admin admin, String group, Map<TopicPartition, Long> end)
      throws Exception {
    final Map<TopicPartition, OffsetAndMetadata> committed =
        admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
    for (final Map.Entry<TopicPartition, Long> e : end.entrySet()) {
      if (e.getValue() == 0) continue;
      final OffsetAndMetadata offset = committed.get(e.getKey());
      if (offset == null || offset.offset() < e.getValue()) return false;
    }
    return true;
  }
}
