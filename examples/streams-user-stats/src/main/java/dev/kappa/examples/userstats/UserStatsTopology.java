package dev.kappa.examples.userstats;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.AutoOffsetReset;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.processor.TimestampExtractor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.state.Stores;

/**
 * input (any key, JSON events) -> parse and check (bad records skipped) -> groupBy user_id
 * through the repartition topic -> aggregate into the in-memory store "user-stats" (changelog
 * topic) -> every changed row to the output topic.
 */
final class UserStatsTopology {
  private UserStatsTopology() {}

  /** The store Interactive Queries read; its changelog is {@code <application.id>-user-stats-changelog}. */
  static final String STORE = "user-stats";
  /** The repartition step; its topic is {@code <application.id>-user-stats-by-user-repartition}. */
  static final String REPARTITION = "user-stats-by-user";

  static String repartitionTopic(String applicationId) {
    return applicationId + "-" + REPARTITION + "-repartition";
  }

  static String changelogTopic(String applicationId) {
    return applicationId + "-" + STORE + "-changelog";
  }

  static Topology build(String input, String output, AutoOffsetReset reset, Metrics metrics) {
    final StreamsBuilder builder = new StreamsBuilder();
    builder.stream(input, Consumed.with(Serdes.ByteArray(), Serdes.ByteArray())
            .withOffsetResetPolicy(reset)
            .withTimestampExtractor(new RecordTimestampOrZero())
            .withName("events"))
        .processValues(() -> new ParseEvents(metrics), Named.as("parse-events"))
        .groupBy((ignoredKey, event) -> event.user, Grouped.with(REPARTITION, Serdes.String(), UserEvent.SERDE))
        .aggregate(
            UserStats::new,
            (user, event, stats) -> {
              // Kafka Streams hands over a fresh copy of the stored value (deserialised), so it is
              // changed in place; nothing downstream asks for the old value.
              if (!stats.fold(event)) {
                metrics.badRecord(UserEvent.BadReason.STATE_LIMIT,
                    "user '" + shorten(user) + "': a new session would grow its distinct set past "
                        + UserEvent.MAX_DISTINCT_BYTES + " bytes (the state of a key must fit one Kafka message)",
                    () -> "repartition topic");
              }
              return stats;
            },
            Named.as("aggregate"),
            Materialized.<String, UserStats>as(Stores.inMemoryKeyValueStore(STORE))
                .withKeySerde(Serdes.String())
                .withValueSerde(UserStats.SERDE))
        .toStream(Named.as("rows"))
        .mapValues(UserStats::toJson, Named.as("render"))
        .to(output, Produced.with(Serdes.String(), Serdes.String()).withName("output"));
    return builder.build();
  }

  private static String shorten(String text) {
    return text.length() <= 200 ? text : text.substring(0, 200) + "...";
  }

  /** Parses and checks each event; forwards the good ones, counts and logs the bad ones. */
  private static final class ParseEvents implements FixedKeyProcessor<byte[], byte[], UserEvent> {
    private final Metrics metrics;
    private FixedKeyProcessorContext<byte[], UserEvent> context;

    ParseEvents(Metrics metrics) {
      this.metrics = metrics;
    }

    @Override
    public void init(FixedKeyProcessorContext<byte[], UserEvent> context) {
      this.context = context;
    }

    @Override
    public void process(FixedKeyRecord<byte[], byte[]> record) {
      metrics.recordsIn.incrementAndGet();
      try {
        context.forward(record.withValue(UserEvent.parse(record.value())));
      } catch (UserEvent.BadRecord bad) {
        metrics.badRecord(bad.reason, bad.getMessage(), () -> context.recordMetadata()
            .map(m -> "topic " + m.topic() + ", partition " + m.partition() + ", offset " + m.offset())
            .orElse("no record metadata"));
      }
    }
  }

  /**
   * The record's timestamp, or 0 for a record without one (-1). The view has no time windows, so
   * time plays no part in it; such a record must neither stop the stream (Kafka Streams' default
   * extractor fails on it) nor be dropped (the reference processor counts it).
   */
  static final class RecordTimestampOrZero implements TimestampExtractor {
    @Override
    public long extract(ConsumerRecord<Object, Object> record, long partitionTime) {
      return Math.max(record.timestamp(), 0L);
    }
  }
}
