package dev.kappa.examples.userstats;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counters for GET /metrics (Prometheus text), and the bad-record log: the first bad record of
 * each reason is logged, then at most one every 10 s (as the reference processor does). Records
 * re-processed after an aborted transaction count again.
 */
final class Metrics {
  private static final Logger LOG = LoggerFactory.getLogger(Metrics.class);
  private static final long LOG_INTERVAL_NANOS = 10_000_000_000L;

  final AtomicLong recordsIn = new AtomicLong();
  private final Map<UserEvent.BadReason, AtomicLong> bad = new EnumMap<>(UserEvent.BadReason.class);
  private final Map<UserEvent.BadReason, AtomicLong> lastLogged = new EnumMap<>(UserEvent.BadReason.class);

  Metrics() {
    for (final UserEvent.BadReason reason : UserEvent.BadReason.values()) {
      bad.put(reason, new AtomicLong());
      lastLogged.put(reason, new AtomicLong(Long.MIN_VALUE));
    }
  }

  /** One bad record; {@code where} says where it came from (for the log only). */
  void badRecord(UserEvent.BadReason reason, String detail, Supplier<String> where) {
    final long count = bad.get(reason).incrementAndGet();
    final AtomicLong last = lastLogged.get(reason);
    final long now = System.nanoTime();
    final long previous = last.get();
    if ((previous == Long.MIN_VALUE || now - previous >= LOG_INTERVAL_NANOS) && last.compareAndSet(previous, now)) {
      LOG.warn("bad record skipped ({}, {} so far): {} [{}]", reason.label, count, detail, where.get());
    }
  }

  long bad(UserEvent.BadReason reason) {
    return bad.get(reason).get();
  }

  /** The exposition text; {@code ready}, {@code state}, {@code inputLag} are read as it is written. */
  String text(boolean ready, String state, long inputLag) {
    final StringBuilder out = new StringBuilder(1024);
    out.append("# HELP streams_user_stats_records_in_total Input records read.\n")
        .append("# TYPE streams_user_stats_records_in_total counter\n")
        .append("streams_user_stats_records_in_total ").append(recordsIn.get()).append('\n')
        .append("# HELP streams_user_stats_records_bad_total Input records skipped as bad, by reason.\n")
        .append("# TYPE streams_user_stats_records_bad_total counter\n");
    for (final UserEvent.BadReason reason : UserEvent.BadReason.values()) {
      out.append("streams_user_stats_records_bad_total{reason=\"").append(reason.label).append("\"} ")
          .append(bad.get(reason).get()).append('\n');
    }
    out.append("# HELP streams_user_stats_ready 1 when GET /readyz answers 200.\n")
        .append("# TYPE streams_user_stats_ready gauge\n")
        .append("streams_user_stats_ready ").append(ready ? 1 : 0).append('\n')
        .append("# HELP streams_user_stats_streams_state The Kafka Streams client state.\n")
        .append("# TYPE streams_user_stats_streams_state gauge\n")
        .append("streams_user_stats_streams_state{state=\"").append(state).append("\"} 1\n")
        .append("# HELP streams_user_stats_catch_up_lag_records Records between the group's offsets and the end"
            + " offsets seen at start (input, then repartition topic), until caught up; -1 unknown.\n")
        .append("# TYPE streams_user_stats_catch_up_lag_records gauge\n")
        .append("streams_user_stats_catch_up_lag_records ").append(inputLag).append('\n');
    return out.toString();
  }
}
