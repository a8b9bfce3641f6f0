package dev.kappa.examples.userstats;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.KafkaStreams;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * When this replica may call itself ready: once the group (all replicas together) has committed,
 * in exactly-once transactions, everything up to the input's end offsets as they were at start.
 * That is measured as the operator measures catch-up, through the group's committed offsets, in
 * two steps, because the work has two stages:
 *
 * <ol>
 *   <li>input: every partition's committed offset at or past its end offset at start (a
 *       partition with nothing committed counts from its start position: the end itself for
 *       {@code latest}, so an idle input is caught up at once);
 *   <li>then the repartition topic: its end offsets are read the moment step 1 holds (every
 *       event of step 1 is in it by then, written in the transactions that committed those
 *       input offsets), and the group's committed offsets there must reach them. Committed
 *       there means folded into the store, its changelog and the output topic.
 * </ol>
 *
 * Once caught up it stays so; /readyz also asks that Kafka Streams be RUNNING at that moment.
 */
final class CatchUp {
  private static final Logger LOG = LoggerFactory.getLogger(CatchUp.class);

  private final Admin admin;
  private final String group;
  private final String repartitionTopic;
  private final Map<TopicPartition, Long> inputEnd;
  private final Map<TopicPartition, Long> inputStart;
  private Map<TopicPartition, Long> repartitionEnd; // set once the input step holds

  private volatile boolean caughtUp;
  private volatile String reason = "starting";
  private volatile long lag = -1;

  CatchUp(Admin admin, String group, String repartitionTopic,
          Map<TopicPartition, Long> inputEnd, Map<TopicPartition, Long> inputStart) {
    this.admin = admin;
    this.group = group;
    this.repartitionTopic = repartitionTopic;
    this.inputEnd = Map.copyOf(inputEnd);
    this.inputStart = Map.copyOf(inputStart);
  }

  boolean caughtUp() {
    return caughtUp;
  }

  /** Why not caught up (empty once it is). */
  String reason() {
    return caughtUp ? "" : reason;
  }

  /** Records still to commit in the current step; 0 once caught up, -1 before the first look. */
  long lag() {
    return caughtUp ? 0 : lag;
  }

  /** One look (on the readiness thread, every second until caught up). */
  void check(KafkaStreams.State state) {
    if (caughtUp) return;
    if (state != KafkaStreams.State.RUNNING) {
      reason = "Kafka Streams is " + state;
      return;
    }
    try {
      final Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
          .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
      if (repartitionEnd == null) {
        long behind = 0;
        for (final Map.Entry<TopicPartition, Long> e : inputEnd.entrySet()) {
          final OffsetAndMetadata offset = committed.get(e.getKey());
          final long position = offset != null ? offset.offset() : inputStart.getOrDefault(e.getKey(), 0L);
          behind += Math.max(0, e.getValue() - position);
        }
        lag = behind;
        if (behind > 0) {
          reason = "catching up: " + behind + " input records behind the end offsets seen at start";
          return;
        }
        repartitionEnd = endOffsets(admin, repartitionTopic);
        LOG.info("input committed up to its end offsets at start; now the repartition topic {}", repartitionTopic);
      }
      long behind = 0;
      for (final Map.Entry<TopicPartition, Long> e : repartitionEnd.entrySet()) {
        final OffsetAndMetadata offset = committed.get(e.getKey());
        behind += Math.max(0, e.getValue() - (offset != null ? offset.offset() : 0));
      }
      lag = behind;
      if (behind > 0) {
        reason = "catching up: " + behind + " records of the repartition topic still to fold in";
        return;
      }
      caughtUp = true;
      LOG.info("caught up: every record up to the end offsets seen at start is in the table");
    } catch (Exception e) {
      reason = "cannot read the group's offsets: " + e;
      LOG.debug("catch-up check failed", e);
    }
  }

  /** Each partition's end offset (read_committed: the last stable offset). */
  static Map<TopicPartition, Long> endOffsets(Admin admin, String topic) throws Exception {
    return offsets(admin, topic, OffsetSpec.latest());
  }

  static Map<TopicPartition, Long> offsets(Admin admin, String topic, OffsetSpec spec) throws Exception {
    final Map<TopicPartition, OffsetSpec> query = new HashMap<>();
    admin.describeTopics(Set.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic).partitions()
        .forEach(p -> query.put(new TopicPartition(topic, p.partition()), spec));
    final Map<TopicPartition, Long> out = new HashMap<>();
    admin.listOffsets(query, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all()
        .get(30, TimeUnit.SECONDS).forEach((tp, info) -> out.put(tp, info.offset()));
    return out;
  }
}
